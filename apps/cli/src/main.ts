import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ROLES, Role } from '@tip/domain';
import { DEFAULT_TOKEN_MAX_TTL_SECONDS, durationSeconds, mintToken, resolveJwtSecret } from '@tip/auth';
import { choosePassword, sendAccountCommand } from './accounts';
import { TipClient } from './api-client';
import { backupEmbedded, restoreEmbedded } from './backup';
import { databaseOptionsFrom, withDatabase } from './database';
import { missingStepBehind, parseQuotaTable, planQuotaImport, programmeOwnerOf } from './lianyungang-quotas';
import { knownReadModels, readModelsNamed, rebuildReadModels, unknownReadModelMessage } from './rebuild';
import { renderRulebooks } from './rulebooks';
import { parseTeacherSheet } from './teachers-csv';
import { acceptLanguage, BilingualError, Language, languageOf, lineLabel } from './language';
import { exportLog, importLog, printCheckpoint, printPublicKey, UsageError, verifyEventStore } from './verify';
import { rotateKeys } from './keys';
import { KeyFileError, keySettingsFrom } from '@tip/audit';
import { listParked, retryParked } from './projections';

const program = new Command('tip')
  .description('TIP operators’ tool: tokens, imports, verification, read-model rebuilds and parked events')
  .showHelpAfterError();

const secretOf = async () =>
  (await resolveJwtSecret(process.env.TIP_JWT_SECRET, path.resolve(process.env.TIP_DATA_DIR ?? './data'))).secret;

/** Where the API is: TIP_URL, else where `npm start` serves by default. */
const apiUrlOption = () => new Option('--url <url>', 'the API').env('TIP_URL').default('http://127.0.0.1:3000/api');

function role(value: string): Role {
  if (!(ROLES as readonly string[]).includes(value)) throw new InvalidArgumentError(`one of ${ROLES.join(', ')}`);
  return value as Role;
}

/** The API's limit for a token's lifetime (TIP_TOKEN_MAX_TTL), so the CLI mints none it would refuse. */
function maxTokenSeconds(): number {
  const configured = process.env.TIP_TOKEN_MAX_TTL;
  if (!configured) return DEFAULT_TOKEN_MAX_TTL_SECONDS;
  return /^\d+$/.test(configured) ? Number(configured) : (durationSeconds(configured) ?? DEFAULT_TOKEN_MAX_TTL_SECONDS);
}

/** An operator's client of the running API, signed with a short-lived system token. */
async function operatorClient(url: string, sub: string): Promise<TipClient> {
  return new TipClient(url, await mintToken(await secretOf(), { sub, role: 'system' }, '5m'));
}

const token = program
  .command('token')
  .description(
    'mint a bearer token (signed with TIP_JWT_SECRET, or the secret in TIP_DATA_DIR); `token revoke` ends one',
  )
  .addOption(new Option('--role <role>', 'the actor’s role').argParser(role))
  .option('--unit <unitId>', 'the actor’s org unit (a teacher’s school)')
  .option('--sub <id>', 'the actor’s id', 'operator')
  .option('--expires <duration>', 'lifetime, e.g. 30m, 12h (at most TIP_TOKEN_MAX_TTL, 12h by default)', '12h')
  .action(async (options: { role?: Role; unit?: string; sub: string; expires: string }) => {
    if (!options.role) throw new InvalidArgumentError('--role is required: one of ' + ROLES.join(', '));
    const seconds = durationSeconds(options.expires);
    if (seconds === undefined)
      throw new InvalidArgumentError(`--expires: not a duration: ${options.expires} (say 30m, 12h)`);
    if (seconds > maxTokenSeconds()) {
      throw new InvalidArgumentError(`--expires: at most ${maxTokenSeconds() / 3600} h (TIP_TOKEN_MAX_TTL)`);
    }
    const jti = randomUUID();
    console.log(
      await mintToken(await secretOf(), { sub: options.sub, role: options.role, unitId: options.unit }, seconds, {
        jti,
      }),
    );
    console.error(`jti ${jti}: revoke it with \`tip token revoke --jti ${jti}\``);
  });

token
  .command('revoke')
  .description('revoke one token (--jti) or every token of a subject issued until now (--sub), through the running API')
  .option('--jti <id>', 'the token’s id (printed when it was minted)')
  .option('--sub <id>', 'the subject whose tokens all end')
  .requiredOption('--reason <text>', 'why, for the audit log')
  .addOption(apiUrlOption())
  .action(async (options: { jti?: string; sub?: string; reason: string; url: string }) => {
    if ((options.jti === undefined) === (options.sub === undefined)) {
      throw new InvalidArgumentError('give either --jti or --sub');
    }
    await sendAccountCommand(await operatorClient(options.url, 'tip-cli'), 'RevokeToken', {
      ...(options.jti ? { jti: options.jti } : { sub: options.sub }),
      reason: options.reason,
    });
    console.log(
      options.jti ? `Revoked token ${options.jti}.` : `Revoked every token of ${options.sub} issued until now.`,
    );
  });

const user = program.command('user').description('local accounts for people: add, disable, enable, reset-password');

user
  .command('add')
  .description(
    'add an account (the first province or system admin too); prints a generated password unless --password-stdin',
  )
  .argument('<userId>', 'the sign-in name (a teacher’s is their teacher id)')
  .addOption(new Option('--role <role>', 'the account’s role').argParser(role).makeOptionMandatory())
  .option('--unit <unitId>', 'the unit the role belongs to (a school admin’s school, a county admin’s county …)')
  .requiredOption('--name <name>', 'the person’s name')
  .option('--password-stdin', 'read the password from standard input')
  .addOption(apiUrlOption())
  .action(
    async (
      userId: string,
      options: { role: Role; unit?: string; name: string; passwordStdin?: boolean; url: string },
    ) => {
      const { password, generated } = await choosePassword(options.passwordStdin === true);
      await sendAccountCommand(await operatorClient(options.url, 'tip-cli'), 'AddUser', {
        userId,
        name: options.name,
        role: options.role,
        ...(options.unit ? { unitId: options.unit } : {}),
        password,
      });
      console.log(`Added ${options.role} ${userId}${options.unit ? ` of ${options.unit}` : ''}.`);
      if (generated) console.log(`Password: ${password}`);
    },
  );

user
  .command('disable')
  .description('stop an account from signing in; its open sessions end at once')
  .argument('<userId>')
  .requiredOption('--reason <text>', 'why, for the audit log')
  .addOption(apiUrlOption())
  .action(async (userId: string, options: { reason: string; url: string }) => {
    await sendAccountCommand(await operatorClient(options.url, 'tip-cli'), 'DisableUser', {
      userId,
      reason: options.reason,
    });
    console.log(`Disabled ${userId}.`);
  });

user
  .command('enable')
  .description('let a disabled account sign in again')
  .argument('<userId>')
  .addOption(apiUrlOption())
  .action(async (userId: string, options: { url: string }) => {
    await sendAccountCommand(await operatorClient(options.url, 'tip-cli'), 'EnableUser', { userId });
    console.log(`Enabled ${userId}.`);
  });

user
  .command('reset-password')
  .description('set a new password (ends the account’s open sessions); prints a generated one unless --password-stdin')
  .argument('<userId>')
  .option('--password-stdin', 'read the password from standard input')
  .addOption(apiUrlOption())
  .action(async (userId: string, options: { passwordStdin?: boolean; url: string }) => {
    const { password, generated } = await choosePassword(options.passwordStdin === true);
    await sendAccountCommand(await operatorClient(options.url, 'tip-cli'), 'ResetPassword', { userId, password });
    console.log(`Reset the password of ${userId}.`);
    if (generated) console.log(`Password: ${password}`);
  });

program
  .command('rulebooks')
  .description('list the preset rulebooks LaunchProgramme takes by name, with their main figures (GET /api/rulebooks)')
  .addOption(apiUrlOption())
  .option('--json', 'print the API’s answer as it is')
  .action(async (options: { url: string; json?: boolean }) => {
    const answer = await (await operatorClient(options.url, 'rulebooks')).get('/rulebooks');
    if (answer.status !== 200)
      throw new Error(`GET /rulebooks answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    console.log(options.json ? JSON.stringify(answer.body, null, 2) : renderRulebooks(answer.body));
  });

program
  .command('import-quotas')
  .description('replay a quota table (period,period_start,period_end,unit,unit_kind,quota) through the API')
  .argument('<csv>', 'the table, e.g. fixtures/lianyungang-2016-quotas.csv')
  .requiredOption('--programme <id>', 'the launched programme the batch belongs to')
  .requiredOption('--batch <id>', 'the batch to schedule (one period per table period)')
  .requiredOption('--province <unitId>', 'the province granting the seats')
  .requiredOption('--city <unitId>', 'the city handing them on to the table’s units')
  .addOption(apiUrlOption())
  .option('--lang <zh|en>', 'the language of refusals (default: from LANG)')
  .action(
    async (
      csv: string,
      options: { programme: string; batch: string; province: string; city: string; url: string; lang?: string },
    ) => {
      const language = languageOf(options.lang);
      const rows = inLanguage(language, () => parseQuotaTable(readFileSync(csv, 'utf8')));
      const target = {
        programmeId: options.programme,
        batchId: options.batch,
        provinceId: options.province,
        cityId: options.city,
        provinceAdmin: 'quota-import',
        cityAdmin: 'quota-import',
      };
      const client = new TipClient(
        options.url,
        await mintToken(await secretOf(), { sub: 'quota-import', role: 'system' }, '1h'),
        acceptLanguage(language),
      );
      // A city running its own programme is where its seats start: no grant from the province.
      const programme = await client.get(`/audit/streams/${encodeURIComponent(`programme-${options.programme}`)}`);
      const cityRuns = programme.status === 200 && programmeOwnerOf(programme.body) === options.city;
      const commands = planQuotaImport(rows, { ...target, cityRuns });
      const progress = new SingleBar(
        { format: 'importing {bar} {value}/{total} commands | {eta_formatted} left' },
        Presets.shades_classic,
      );
      progress.start(commands.length, 0);
      try {
        for (const command of commands) {
          const result = await client.send(command.name, command.body, command.idempotencyKey);
          if (result.status !== 200) {
            const missing = missingStepBehind(command, result.body, target)?.in(language);
            throw new Error(
              `${missing ? `${missing}\n` : ''}${at(language, command.line)}${refusal(language, command.name, result)}`,
            );
          }
          progress.increment();
        }
      } finally {
        progress.stop();
      }
      const periods = new Set(rows.map((row) => row.period)).size;
      const units = new Set(rows.map((row) => row.unit)).size;
      console.log(
        `Imported ${rows.length} rows: ${periods} periods × ${units} units, ${rows.reduce((sum, row) => sum + row.quota, 0)} seats.`,
      );
    },
  );

program
  .command('import-teachers')
  .description(
    'register the teachers of a sheet (teacher_id,school_id,name,id_number,gender,stage,subject,full_time[,birth_date])',
  )
  .argument('<csv>', 'the sheet')
  .addOption(apiUrlOption())
  .option('--lang <zh|en>', 'the language of refusals (default: from LANG)')
  .action(async (csv: string, options: { url: string; lang?: string }) => {
    const language = languageOf(options.lang);
    const rows = inLanguage(language, () => parseTeacherSheet(readFileSync(csv, 'utf8')));
    const client = new TipClient(
      options.url,
      await mintToken(await secretOf(), { sub: 'teacher-import', role: 'system' }, '1h'),
      acceptLanguage(language),
    );
    const progress = new SingleBar(
      { format: 'registering {bar} {value}/{total} teachers | {eta_formatted} left' },
      Presets.shades_classic,
    );
    progress.start(rows.length, 0);
    const refused: string[] = [];
    try {
      for (const { line, row } of rows) {
        const result = await client.send('RegisterTeacher', row, encodeURIComponent(`teacher-import|${row.teacherId}`));
        // One bad row (a mistyped ID number) should not stop the others: report it and go on.
        if (result.status !== 200) {
          refused.push(`${at(language, line, row.teacherId)}${refusal(language, 'RegisterTeacher', result)}`);
        }
        progress.increment();
      }
    } finally {
      progress.stop();
    }
    console.log(
      language === 'zh'
        ? `已登记 ${rows.length - refused.length} 名教师，共 ${rows.length} 名。`
        : `Registered ${rows.length - refused.length} of ${rows.length} teachers.`,
    );
    if (refused.length > 0) {
      console.error(`${language === 'zh' ? '未通过：' : 'Refused:'}\n${refused.join('\n')}`);
      process.exitCode = 1;
    }
  });

const keySettings = () => keySettingsFrom(process.env, path.resolve(process.env.TIP_DATA_DIR ?? './data'));

function wholeNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) throw new InvalidArgumentError('a whole number ≥ 0');
  return parsed;
}

function positiveWhole(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 1) throw new InvalidArgumentError('a whole number ≥ 1');
  return parsed;
}

/** Runs an audit command on the database; a problem the user can fix ends it with its message and exit 2. */
async function auditCommand(
  work: (connectionString: string) => Promise<number>,
  connect: { owner?: boolean } = {},
): Promise<void> {
  try {
    process.exitCode = await withDatabase(databaseOptionsFrom(process.env), work, connect);
  } catch (error) {
    if (!(error instanceof UsageError || error instanceof KeyFileError)) throw error;
    console.error(error.message);
    process.exitCode = 2;
  }
}

program
  .command('verify')
  .description(
    'check the whole log in the database (DATABASE_URL, or the embedded PostgreSQL of TIP_DATA_DIR): every hash chain, ' +
      'every event, and the Merkle tree against every signed head and each kept checkpoint; exit 1 naming every problem found',
  )
  .option('--against <checkpoint.json...>', 'checkpoints kept earlier (GET /api/audit/checkpoints, tip checkpoint)', [])
  .option('--public-key <base64>', 'the key heads must be signed with (default: this deployment’s, from its keys)')
  .option('--max-problems <n>', 'problems listed at most', positiveWhole, 100)
  .option(
    '--hash-workers <n>',
    'worker threads hashing the log’s rows beside the one that chains (default: every core but two, up to four, and one on two cores; 0 hashes on that thread)',
    wholeNumber,
  )
  .action(async (options: { against: string[]; publicKey?: string; maxProblems: number; hashWorkers?: number }) => {
    await auditCommand((connectionString) => verifyEventStore(connectionString, { ...options, keys: keySettings() }));
  });

program
  .command('checkpoint')
  .description(
    'sign a tree head over the log as it is now (with the key in TIP_KEYS_DIR) and print it as a checkpoint to keep',
  )
  .action(async () => {
    await auditCommand((connectionString) => printCheckpoint(connectionString, keySettings()));
  });

program
  .command('public-key')
  .description('print the public key tree heads are signed with (from TIP_KEYS_DIR), to publish for auditors')
  .action(async () => {
    try {
      process.exitCode = await printPublicKey(keySettings());
    } catch (error) {
      if (!(error instanceof UsageError || error instanceof KeyFileError)) throw error;
      console.error(error.message);
      process.exitCode = 2;
    }
  });

program
  .command('keys')
  .description(
    'personal-data keys: `rotate` re-wraps every teacher’s data key under a new key-encryption key and destroys the old',
  )
  .argument('<action>', 'rotate')
  .action(async (action: string) => {
    if (action !== 'rotate') {
      console.error(`keys: unknown action "${action}" (rotate)`);
      process.exitCode = 2;
      return;
    }
    await auditCommand((connectionString) => rotateKeys(connectionString, keySettings()));
  });

program
  .command('export-log')
  .description('write the whole log, its signed heads and stored tree as NDJSON, for python3 tools/verify-log.py')
  .argument('<file>', 'where to write it')
  .action(async (file: string) => {
    await auditCommand((connectionString) => exportLog(connectionString, file, keySettings()));
  });

program
  .command('import-log')
  .description(
    'load an export (tip export-log) into an empty store (DATABASE_URL, or the embedded PostgreSQL of TIP_DATA_DIR, ' +
      'connected as the tables’ owner), checking every event, chain and signed head as tip verify does; ' +
      'exit 1 naming the line that fails, with nothing written',
  )
  .argument('<file>', 'the export to load')
  .option(
    '--public-key <base64>',
    'the key heads must be signed with: the old server’s (tip public-key there); default: this deployment’s, from its keys',
  )
  .option(
    '--unsigned',
    'load even when no head signed with that key covers every event (or there is no key): nothing then proves the ' +
      'log is the original, since hash chains can be made again over any text',
  )
  .action(async (file: string, options: { publicKey?: string; unsigned?: boolean }) => {
    await auditCommand((connectionString) => importLog(connectionString, file, { ...options, keys: keySettings() }), {
      owner: true,
    });
  });

program
  .command('rebuild')
  .description(
    `rebuild read models from the first event and swap them in while the API keeps running (${knownReadModels().join(', ')}; none: all)`,
  )
  .argument('[names...]', 'the read models to rebuild')
  .option(
    '--workers <n>',
    'worker threads projecting a read model side by side, by partition (default 1: this thread; for machines with more than two cores)',
    positiveWhole,
  )
  .action(async (names: string[], options: { workers?: number }) => {
    const selected = readModelsNamed(names);
    // Named wrongly: say so before starting a database for nothing.
    if ('unknown' in selected) {
      console.error(unknownReadModelMessage(selected.unknown));
      process.exitCode = 2;
      return;
    }
    process.exitCode = await withDatabase(databaseOptionsFrom(process.env), (connectionString) =>
      rebuildReadModels(connectionString, names, undefined, { workers: options.workers }),
    );
  });

program
  .command('backup')
  .description(
    'copy the embedded TIP of TIP_DATA_DIR (PostgreSQL, secrets, keys) into one file, consistently, while it runs',
  )
  .argument(
    '<file>',
    'the backup to write (a gzipped tar); an existing file is replaced only once the new one is whole',
  )
  .action(async (file: string) => {
    if (process.env.DATABASE_URL) {
      throw new Error(
        'DATABASE_URL names an external PostgreSQL: back it up with its own tools (the README explains point-in-time recovery)',
      );
    }
    const report = await backupEmbedded(databaseOptionsFrom(process.env).dataDir, path.resolve(file));
    console.log(
      `Backed up ${report.files} files and ${report.walSegments} WAL segments (${report.startLsn} to ${report.stopLsn}) ` +
        `into ${report.file} (${(report.bytes / 1024 / 1024).toFixed(1)} MB)`,
    );
  });

program
  .command('restore')
  .description('unpack a backup into a new data directory; start TIP (or tip verify) there to bring it up')
  .argument('<file>', 'a backup written by tip backup')
  .requiredOption('--data-dir <dir>', 'the new TIP_DATA_DIR: must not exist, or be empty')
  .action(async (file: string, options: { dataDir: string }) => {
    const { files } = await restoreEmbedded(path.resolve(file), options.dataDir);
    console.log(
      `Restored ${files} files into ${path.resolve(options.dataDir)}; check it with TIP_DATA_DIR=${path.resolve(options.dataDir)} npm run tip -- verify`,
    );
  });

const projections = program
  .command('projections')
  .description('events a read model could not handle: parked aside, listed, retried after a fix');

projections
  .command('parked')
  .description(`list the parked events (${knownReadModels().join(', ')}; none: all), oldest first`)
  .argument('[names...]', 'the read models')
  .action(async (names: string[]) => {
    process.exitCode = await withDatabase(databaseOptionsFrom(process.env), (connectionString) =>
      listParked(connectionString, names),
    );
  });

function position(value: string, previous: number[] = []): number[] {
  if (!/^\d{1,15}$/.test(value)) throw new InvalidArgumentError('a position, a whole number');
  return [...previous, Number(value)];
}

projections
  .command('retry')
  .description('apply parked events now, read again from the log (after a fix); exit 1 if any stays parked')
  .argument('[names...]', 'the read models (none: all)')
  .option('--position <position>', 'only the event at this position (repeatable)', position)
  .action(async (names: string[], options: { position?: number[] }) => {
    process.exitCode = await withDatabase(databaseOptionsFrom(process.env), (connectionString) =>
      retryParked(connectionString, names, options.position ?? []),
    );
  });

/** "Line 4 (T-3): " or "第 4 行（T-3）：". */
function at(language: Language, line: number, subject?: string): string {
  if (language === 'zh') return `${lineLabel(language, line)}${subject ? `（${subject}）` : ''}：`;
  return `${lineLabel(language, line)}${subject ? ` (${subject})` : ''}: `;
}

/** A parse error in the operator's language. */
function inLanguage<T>(language: Language, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof BilingualError) throw new Error(error.in(language));
    throw error;
  }
}

/** "422 INVALID_ID_NUMBER: …" from the API's answer (its message already in the asked language). */
function refusal(language: Language, name: string, result: { status: number; body: Record<string, unknown> }): string {
  const error = (result.body as { error?: { code?: string; message?: string; details?: unknown } }).error;
  const details = error?.details === undefined ? '' : ` ${JSON.stringify(error.details)}`;
  const verb = language === 'zh' ? '被拒绝' : 'was refused';
  return `${name} ${verb} (${result.status} ${error?.code ?? ''}): ${error?.message ?? JSON.stringify(result.body)}${details}`;
}

program.parseAsync().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
