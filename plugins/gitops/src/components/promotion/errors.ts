/**
 * The message of a failed call as the backend wrote it: `ResponseError`s of
 * `GitopsClient` carry it in their body (their own message is only "Request
 * failed with 409 Conflict"); other errors as they are.
 */
export function backendMessage(error: unknown): string {
  const e = error as {
    message?: string;
    body?: { error?: { message?: string } };
    cause?: { message?: string };
  };
  return (
    e?.body?.error?.message || e?.cause?.message || e?.message || String(error)
  );
}

/** A fresh idempotency key (8-128 of `[A-Za-z0-9._:-]`). */
export function newIdempotencyKey(): string {
  const c = (globalThis as { crypto?: Crypto }).crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  const bytes = new Uint8Array(16);
  if (c && typeof c.getRandomValues === 'function') c.getRandomValues(bytes);
  else
    for (let i = 0; i < bytes.length; i++)
      bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('');
}
