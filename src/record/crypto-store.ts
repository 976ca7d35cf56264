import { readFile } from 'node:fs/promises';
import { deserialize, serialize } from 'node:v8';
import { exists, writeFileAtomic } from '../adapters/files.js';

/**
 * The recorder's crypto store across runs. matrix-js-sdk's Rust crypto keeps its store (the
 * device's Olm account, Olm and Megolm sessions) in IndexedDB, which Node lacks; fake-indexeddb
 * provides it in memory, and this module snapshots every database to one file (0600) and loads
 * it back, so a restarted recorder is the same device and still receives the room keys that
 * were sent to it while it was down. The values are encrypted by the SDK with a storage key kept
 * in record/recorder/secrets.json.
 */

interface StoreDump {
  name: string;
  keyPath: string | string[] | null;
  autoIncrement: boolean;
  indexes: { name: string; keyPath: string | string[]; unique: boolean; multiEntry: boolean }[];
  records: [IDBValidKey, unknown][];
}

interface DbDump {
  name: string;
  version: number;
  stores: StoreDump[];
}

let installed = false;

/** Give this process an IndexedDB (in memory). */
export async function installIndexedDb(): Promise<void> {
  if (installed) return;
  // Sets indexedDB, IDBKeyRange and the other IndexedDB globals the SDK and the crypto WASM use.
  const auto: string = 'fake-indexeddb/auto';
  await import(auto);
  installed = true;
}

const done = <T>(req: IDBRequest<T>): Promise<T> =>
  new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });

function openDb(name: string, version?: number, upgrade?: (db: IDBDatabase) => void): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, version);
    req.onupgradeneeded = () => upgrade?.(req.result);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** Every database whose name starts with `prefix`, with its stores, indexes and records. */
export async function dumpDatabases(prefix: string): Promise<DbDump[]> {
  const out: DbDump[] = [];
  for (const info of await indexedDB.databases()) {
    if (!info.name?.startsWith(prefix)) continue;
    const db = await openDb(info.name);
    const stores: StoreDump[] = [];
    const names = [...db.objectStoreNames];
    if (names.length > 0) {
      const tx = db.transaction(names, 'readonly');
      for (const n of names) {
        const s = tx.objectStore(n);
        const keys = await done(s.getAllKeys());
        const values = await done(s.getAll());
        stores.push({
          name: n,
          keyPath: s.keyPath,
          autoIncrement: s.autoIncrement,
          indexes: [...s.indexNames].map((i) => {
            const x = s.index(i);
            return { name: i, keyPath: x.keyPath, unique: x.unique, multiEntry: x.multiEntry };
          }),
          records: keys.map((k, i) => [k, values[i]]),
        });
      }
    }
    out.push({ name: info.name, version: db.version, stores });
    db.close();
  }
  return out;
}

export async function restoreDatabases(dumps: DbDump[]): Promise<void> {
  for (const d of dumps) {
    const db = await openDb(d.name, d.version, (up) => {
      for (const s of d.stores) {
        const store = up.createObjectStore(s.name, {
          keyPath: s.keyPath,
          autoIncrement: s.autoIncrement,
        });
        for (const i of s.indexes)
          store.createIndex(i.name, i.keyPath, { unique: i.unique, multiEntry: i.multiEntry });
      }
    });
    if (d.stores.length > 0) {
      const tx = db.transaction(
        d.stores.map((s) => s.name),
        'readwrite',
      );
      for (const s of d.stores) {
        const store = tx.objectStore(s.name);
        for (const [k, v] of s.records) {
          if (s.keyPath === null) store.put(v, k);
          else store.put(v);
        }
      }
      await new Promise<void>((resolve, reject) => {
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
      });
    }
    db.close();
  }
}

/** Snapshot to `path` atomically (0600). */
export async function saveSnapshot(path: string, prefix: string): Promise<void> {
  await writeFileAtomic(path, serialize(await dumpDatabases(prefix)));
}

/** Load a snapshot written by saveSnapshot; false if there is none. */
export async function loadSnapshot(path: string): Promise<boolean> {
  if (!(await exists(path))) return false;
  await restoreDatabases(deserialize(await readFile(path)) as DbDump[]);
  return true;
}
