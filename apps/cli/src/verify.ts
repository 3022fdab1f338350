import { createReadStream, createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import { Presets, SingleBar } from 'cli-progress';
import { Pool } from 'pg';
import {
  AnchorResult,
  CheckpointError,
  CheckpointSigner,
  ed25519PublicKey,
  exportAuditLog,
  importAuditLog,
  LogImportError,
  KeptTreeHead,
  KeyFileError,
  KeySettings,
  LogVerificationReport,
  MerkleTreeStore,
  openCheckpointSigner,
  parseCheckpoint,
  toCheckpoint,
  TreeHeads,
  verifyAuditLog,
  verifyLog,
} from '@tip/audit';
import { createPool, EventStore, openEventStore, StoreNotEmptyError } from '@tip/event-store';

export interface VerifyOutput {
  /** The summary and each problem. */
  print(line: string): void;
  /** Where the progress bar is drawn. */
  progress: NodeJS.WritableStream;
}

export interface VerifyCommandOptions {
  /** Files of checkpoints an auditor kept (GET /api/audit/checkpoints, `tip checkpoint`). */
  against: string[];
  /** The log's public key (base64); by default the one of this deployment's signing key. */
  publicKey?: string;
  /** Problems printed at most. */
  maxProblems: number;
  keys: KeySettings;
  /** Worker threads hashing the log's rows, and the size of log from which they start (VerifyLogInput). */
  hashWorkers?: number;
  hashWorkersFrom?: number;
}

/** A command-line problem the user can fix (a bad file, a bad key): printed, exit 2. */
export class UsageError extends Error {}

/**
 * Checks the whole log in the database: every hash chain, every event's columns, and the Merkle
 * tree over the log against every signed head and each checkpoint given. 0 when intact, 1 with
 * every problem named (up to the limit).
 */
export async function verifyEventStore(
  connectionString: string,
  options: VerifyCommandOptions,
  output: VerifyOutput = { print: console.log, progress: process.stderr },
): Promise<number> {
  const against = await readKeptCheckpoints(options.against);
  const trustedKey = await trustedKeyOf(options, against);
  return withAuditSources(connectionString, async ({ store, tree, heads }) => {
    const bar = new SingleBar(
      {
        stream: output.progress,
        format: 'verifying {bar} {value}/{total} events | {speed} events/s | {eta_formatted} left',
      },
      Presets.shades_classic,
    );
    const started = Date.now();
    const speed = (checked: number) => Math.round((checked * 1000) / Math.max(Date.now() - started, 1));
    try {
      // The head position bounds the count (rolled-back appends leave gaps): a total for the ETA.
      bar.start((await store.stats()).headPosition, 0, { speed: 0 });
      const onProgress = (checked: number) => bar.update(checked, { speed: speed(checked) });
      const report =
        tree && heads
          ? await verifyAuditLog(
              { store, tree, heads },
              {
                against,
                trustedKey,
                maxProblems: options.maxProblems,
                onProgress,
                hashWorkers: options.hashWorkers,
                hashWorkersFrom: options.hashWorkersFrom,
              },
            )
          : await verifyLog({
              scan: store.scanLog({ rows: true }),
              heads: [],
              kept: against,
              trustedKey,
              maxProblems: options.maxProblems,
              onProgress,
              hashWorkers: options.hashWorkers,
              hashWorkersFrom: options.hashWorkersFrom,
            });
      bar.setTotal(report.eventsChecked);
      bar.stop();
      printReport(report, options.against, (Date.now() - started) / 1000, output.print, trustedKey === undefined);
      return report.ok ? 0 : 1;
    } finally {
      bar.stop();
    }
  });
}

function printReport(
  report: LogVerificationReport,
  files: string[],
  seconds: number,
  print: (line: string) => void,
  unpinned: boolean,
): void {
  print(`Checked ${report.eventsChecked} events in ${report.streamsChecked} streams in ${seconds.toFixed(1)} s.`);
  print(`The Merkle tree over the first ${report.tree.size} events has root ${report.tree.rootHash}.`);
  const state = (result: AnchorResult) =>
    result.matches === undefined ? 'not reached' : result.matches ? 'matches' : 'DOES NOT MATCH';
  if (report.latestHead) {
    print(
      `Newest signed head: ${report.latestHead.treeSize} events, signed at ${report.latestHead.signedAt}: ${state(report.latestHead)} ` +
        `(${report.headsChecked} signed heads compared).`,
    );
  } else {
    print('No signed tree head covers the log yet: the hash chains are all that protect it.');
  }
  report.checkpoints.forEach((result, index) =>
    print(
      `Kept checkpoint ${files[index]}: ${result.treeSize} events, signed at ${result.signedAt}: ${state(result)}.`,
    ),
  );
  if (report.eventsAfterLatestHead > 0 && report.latestHead) {
    print(`${report.eventsAfterLatestHead} events after the newest head are covered by their hash chains only.`);
  }
  if (unpinned)
    print(
      'Warning: no public key to trust was found or given (--public-key): heads were checked against their own keys.',
    );
  if (report.ok) {
    print('INTACT: every hash chain, every event and the tree agree with every signed head.');
    return;
  }
  print(`BROKEN: ${report.problemCount === 1 ? 'one problem' : `${report.problemCount} problems`}, in global order:`);
  for (const problem of report.problems) print(`  [${problem.check}] ${problem.kind}: ${problem.message}`);
  if (report.problemCount > report.problems.length) {
    print(`  … and ${report.problemCount - report.problems.length} more (--max-problems raises the limit)`);
  }
}

async function readKeptCheckpoints(files: string[]): Promise<KeptTreeHead[]> {
  const kept: KeptTreeHead[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new UsageError(
        `Cannot read the checkpoint ${file}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    try {
      kept.push(parseCheckpoint(JSON.parse(text), file));
    } catch (error) {
      if (error instanceof CheckpointError) throw new UsageError(error.message);
      throw new UsageError(`${file} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return kept;
}

/** The key heads must carry: the one given, else this deployment's own, else the first kept checkpoint's. */
async function trustedKeyOf(
  options: { publicKey?: string; keys: KeySettings },
  kept: KeptTreeHead[],
): Promise<Buffer | undefined> {
  if (options.publicKey) {
    const key = Buffer.from(options.publicKey, 'base64');
    if (key.length !== 32) throw new UsageError('--public-key must be a 32-byte Ed25519 key in base64');
    return key;
  }
  const signer = await existingSigner(options.keys);
  if (signer) return signer.publicKey;
  const first = kept.find((each) => 'publicKey' in each);
  return first && 'publicKey' in first ? Buffer.from(first.publicKey, 'base64') : undefined;
}

/** This deployment's signing key if it is here to read; tools never make one. */
async function existingSigner(keys: KeySettings): Promise<CheckpointSigner | undefined> {
  try {
    return (await openCheckpointSigner(keys, { create: false })).signer;
  } catch (error) {
    if (error instanceof KeyFileError && /There is no tree-head signing key/.test(error.message)) return undefined;
    throw error;
  }
}

interface AuditSources {
  store: EventStore;
  pool: Pool;
  /** Absent when the audit tables were never made (no process of this release has run yet). */
  tree?: MerkleTreeStore;
  heads?: TreeHeads;
}

async function withAuditSources<T>(
  connectionString: string,
  work: (sources: AuditSources, signer?: CheckpointSigner) => Promise<T>,
  signer?: CheckpointSigner,
): Promise<T> {
  const store = await openEventStore(process.env, connectionString);
  const pool = createPool({ connectionString, max: 2, application_name: 'tip-cli' }, () => undefined);
  try {
    const { rows } = await pool.query<{ present: boolean }>(
      "select to_regclass('tip_merkle_tree') is not null as present",
    );
    if (!rows[0].present) return await work({ store, pool }, signer);
    const tree = new MerkleTreeStore(pool, store);
    const unsigned: CheckpointSigner = {
      keyId: '',
      publicKey: Buffer.alloc(32),
      sign: () => Promise.reject(new Error('this tool holds no signing key')),
    };
    const heads = new TreeHeads(pool, tree, signer ?? unsigned, () => new Date());
    return await work({ store, pool, tree, heads }, signer);
  } finally {
    await pool.end();
    await store.close();
  }
}

/**
 * Writes the log for verifiers outside TIP (tools/verify-log.py): signs a fresh head first when
 * the signing key is here, so that the export is covered to its end.
 */
export async function exportLog(
  connectionString: string,
  file: string,
  keys: KeySettings,
  print: (line: string) => void = console.log,
): Promise<number> {
  const signer = await existingSigner(keys);
  return withAuditSources(
    connectionString,
    async ({ store, tree, heads }) => {
      if (!tree || !heads) throw new UsageError('There is no Merkle tree in this database yet: start TIP once first.');
      const out = createWriteStream(file, { encoding: 'utf8' });
      const write = async (line: string) => {
        if (!out.write(`${line}\n`)) await once(out, 'drain');
      };
      try {
        const { events, head } = await exportAuditLog({ store, tree, heads, canSign: signer !== undefined }, write);
        print(
          `Exported ${events} events to ${file}` +
            (head
              ? `; the newest head covers ${head.treeSize} of them (signed at ${head.signedAt}).`
              : '; no head is signed yet.'),
        );
      } finally {
        out.end();
        await once(out, 'finish');
      }
      return 0;
    },
    signer,
  );
}

/**
 * Loads an export (`tip export-log`) into this database's empty store, checking it as `tip verify`
 * checks a log (libs/audit/src/export/log-import.ts) against the signed heads it carries: 0 when
 * loaded, 1 when a check refused it (naming the line; nothing written), 2 for a usage problem (a
 * store that holds events, an unreadable file, a bad key).
 */
export async function importLog(
  connectionString: string,
  file: string,
  options: { publicKey?: string; unsigned?: boolean; keys: KeySettings },
  output: VerifyOutput = { print: console.log, progress: process.stderr },
): Promise<number> {
  const trustedKey = await trustedKeyOf(options, []);
  const unsigned = options.unsigned === true;
  const total = await exportedEventCount(file);
  const store = await openEventStore(process.env, connectionString);
  if (!store.loadsLogAtomically) {
    // Its checks end after the events are written: a refused export would be left half loaded.
    await store.close();
    throw new UsageError(
      'tip import-log loads only into a store that writes the whole log in one transaction, so that a refused ' +
        'export leaves nothing behind; this one (TIP_EVENT_STORE=' +
        (process.env.TIP_EVENT_STORE ?? 'postgres') +
        ') cannot: load into PostgreSQL, the default (unset TIP_EVENT_STORE)',
    );
  }
  const bar = new SingleBar(
    {
      stream: output.progress,
      format: 'importing {bar} {value}/{total} events | {speed} events/s | {eta_formatted} left',
    },
    Presets.shades_classic,
  );
  const started = Date.now();
  const speed = (loaded: number) => Math.round((loaded * 1000) / Math.max(Date.now() - started, 1));
  try {
    bar.start(total, 0, { speed: 0 });
    const { events, report } = await importAuditLog(file, store, {
      trustedKey,
      unsigned,
      onProgress: (loaded) => bar.update(loaded, { speed: speed(loaded) }),
    });
    bar.setTotal(events);
    bar.stop();
    const print = output.print;
    const seconds = (Date.now() - started) / 1000;
    print(`Imported ${events} events in ${report.streamsChecked} streams from ${file} in ${seconds.toFixed(1)} s.`);
    print(`The Merkle tree over the first ${report.tree.size} events has root ${report.tree.rootHash}.`);
    if (report.latestHead)
      print(
        `Newest signed head: ${report.latestHead.treeSize} events, signed at ${report.latestHead.signedAt}: matches ` +
          `(${report.headsChecked} signed heads compared).`,
      );
    else print('The export carries no signed head: the hash chains are all that vouched for it.');
    if (report.eventsAfterLatestHead > 0 && report.latestHead)
      print(`${report.eventsAfterLatestHead} events after the newest head were covered by their hash chains only.`);
    if (unsigned)
      print(
        'WARNING: loaded with --unsigned: no head signed with a trusted key was required to cover the log, and hash ' +
          'chains can be made again over any text, so nothing proves this log is the original.',
      );
    if (trustedKey === undefined)
      print(
        'Warning: no public key to trust was found or given (--public-key): heads were checked against their own keys.',
      );
    return 0;
  } catch (error) {
    bar.stop();
    if (error instanceof LogImportError) {
      output.print(`REFUSED: ${error.message}`);
      return 1;
    }
    if (error instanceof StoreNotEmptyError)
      throw new UsageError(
        `tip import-log loads into an empty store only, and this one holds events (${error.message})`,
      );
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT')
      throw new UsageError(`Cannot read the export ${file}: ${error.message}`);
    if (error instanceof UsageError) throw error;
    // Anything else (a permission refused, the database gone): one line, and the load was rolled back.
    throw new UsageError(
      `tip import-log stopped, nothing was imported: ${error instanceof Error ? error.message : String(error)}`,
    );
  } finally {
    await store.close();
  }
}

/** How many events the export's newest head covers (its header says), for the progress bar; 0 when none. */
async function exportedEventCount(file: string): Promise<number> {
  let first = '';
  try {
    for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 64 * 1024 })) {
      first += String(chunk);
      if (first.includes('\n')) break;
    }
  } catch (error) {
    throw new UsageError(`Cannot read the export ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    const header: unknown = JSON.parse(first.split('\n')[0]);
    const head = header !== null && typeof header === 'object' && 'head' in header ? header.head : undefined;
    return head !== null && typeof head === 'object' && 'treeSize' in head && typeof head.treeSize === 'number'
      ? head.treeSize
      : 0;
  } catch {
    return 0; // the import names what is wrong with the header
  }
}

/** Signs a head over the log as it is now and prints it as a checkpoint to keep. */
export async function printCheckpoint(
  connectionString: string,
  keys: KeySettings,
  print: (line: string) => void = console.log,
): Promise<number> {
  const signer = await existingSigner(keys);
  return withAuditSources(
    connectionString,
    async ({ heads }) => {
      if (!heads) throw new UsageError('There is no Merkle tree in this database yet: start TIP once first.');
      const head = signer ? await heads.sign('request') : await heads.latest();
      if (!head) throw new UsageError('No tree head is signed yet, and the signing key is not here to sign one.');
      print(JSON.stringify(toCheckpoint(head), null, 2));
      return 0;
    },
    signer,
  );
}

/** This deployment's tree-head public key, to publish where auditors look (README, the bureau's site). */
export async function printPublicKey(keys: KeySettings, print: (line: string) => void = console.log): Promise<number> {
  const signer = await existingSigner(keys);
  if (!signer) throw new UsageError(`There is no tree-head signing key in ${keys.keysDir}: start TIP once first.`);
  print(`Ed25519 public key (base64): ${signer.publicKey.toString('base64')}`);
  print(`Key id (SHA-256 of it, hex): ${signer.keyId}`);
  print(ed25519PublicKey(signer.publicKey).export({ format: 'pem', type: 'spki' }).toString().trim());
  return 0;
}
