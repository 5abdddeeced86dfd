import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * Moves one database of an embedded folder out of the engine's sight, into a folder beside it:
 * its metadata (the `metadata/<db>.sql` file and the folder `metadata/<db>` links to) and the
 * data folder of every table it lists. chdb refuses a whole folder when one table does not load
 * (a damaged metadata file, too many broken parts), so no statement can drop that database;
 * a restore replacing it moves it aside instead, and nothing is deleted.
 *
 * Only for a folder no process holds (the engine refused it to this one too). Returns where the
 * database went, or null when the folder has no such database.
 */
export function quarantineDatabase(dataDir: string, database: string): string | null {
  const dir = resolve(dataDir);
  const metaLink = join(dir, 'metadata', database);
  const metaSql = join(dir, 'metadata', `${database}.sql`);
  if (!existsSync(metaSql) && !existsSync(metaLink)) return null;
  const to = join(dirname(dir), `${basename(dir)}.damaged-${database}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(join(to, 'store'), { recursive: true });
  if (existsSync(metaLink)) {
    const linked = lstatSync(metaLink).isSymbolicLink();
    const meta = realpathSync(metaLink);
    for (const f of readdirSync(meta).filter((n) => n.endsWith('.sql'))) {
      let text = '';
      try {
        text = readFileSync(join(meta, f), 'utf8');
      } catch {
        // unreadable: its data folder, if any, stays where it is
      }
      const uuid = /\bUUID '([0-9a-f-]{36})'/.exec(text)?.[1];
      const store = uuid ? join(dir, 'store', uuid.slice(0, 3), uuid) : null;
      if (uuid && store && existsSync(store)) renameSync(store, join(to, 'store', uuid));
    }
    renameSync(meta, join(to, 'metadata'));
    if (linked) unlinkSync(metaLink);
  }
  if (existsSync(metaSql)) renameSync(metaSql, join(to, `${database}.sql`));
  // The links to its tables' folders, dangling now.
  const links = join(dir, 'data', database);
  if (present(links)) renameSync(links, join(to, 'data'));
  return to;
}

function present(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}
