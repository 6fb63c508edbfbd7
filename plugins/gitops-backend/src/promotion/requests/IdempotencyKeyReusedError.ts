/** The caller used the idempotency key before for a different request (422). */
export class IdempotencyKeyReusedError extends Error {
  constructor(key: string, actionId: string) {
    super(
      `idempotency key "${key}" was already used for a different request (action #${actionId})`,
    );
    this.name = 'IdempotencyKeyReusedError';
  }
}
