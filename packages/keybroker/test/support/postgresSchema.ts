import pg from 'pg';
import { withSchema } from './postgresUrl.js';

/** A fresh, empty schema for one suite; returns a URL whose search_path points at it. */
export async function freshSchema(url: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
    await client.query(`CREATE SCHEMA ${name}`);
  } finally {
    await client.end();
  }
  return withSchema(url, name);
}
