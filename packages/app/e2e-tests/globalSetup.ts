/**
 * Waits until the started portal has ingested and correlated the demo, so
 * the tests see the finished ledger rather than a backend still at work.
 */
export default async function globalSetup() {
  const backend = process.env.PLAYWRIGHT_BACKEND_URL ?? 'http://localhost:7007';
  const deadline = Date.now() + 300_000;
  let last = 'backend not answering';
  while (Date.now() < deadline) {
    try {
      const auth = await fetch(
        `${backend}/api/auth/guest/refresh?env=development`,
        {
          headers: { 'x-requested-with': 'XMLHttpRequest' },
        },
      );
      const token = (await auth.json())?.backstageIdentity?.token;
      const headers = { authorization: `Bearer ${token}` };
      const rollouts = await (
        await fetch(`${backend}/api/gitops/v1/rollouts?limit=1`, { headers })
      ).json();
      const newest = rollouts.items?.[0];
      if (newest) {
        const changeSet = await (
          await fetch(
            `${backend}/api/gitops/v1/rollouts/${newest.id}/change-set`,
            { headers },
          )
        ).json();
        if (changeSet.status && changeSet.status !== 'pending') return;
        last = `newest rollout #${newest.id} is ${
          changeSet.status ?? JSON.stringify(changeSet)
        }`;
      } else {
        last = 'no rollouts ingested yet';
      }
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise(r => setTimeout(r, 2000));
  }
  throw new Error(
    `the portal did not finish ingesting the demo in time: ${last}`,
  );
}
