/**
 * The PostgreSQL server the tests may use (.ci/run starts one and exports VTPM_TEST_PG_URL).
 * Without it the suites skip loudly; in CI (CI set) they fail instead, so a broken setup
 * cannot pass as green.
 */
export function postgresUrl(ctx: Mocha.Context): string {
  const url = process.env.VTPM_TEST_PG_URL;
  if (url) return url;
  const why = 'VTPM_TEST_PG_URL is not set: no PostgreSQL server for the keybroker PostgreSQL tests (.ci/run starts one)';
  if (process.env.CI) throw new Error(`CI: ${why}`);
  console.warn(`      SKIPPED: ${why}`);
  ctx.skip();
}

/** A schema of its own per suite, so runs and suites do not see each other's rows. */
export function withSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}
