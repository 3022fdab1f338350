import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ROLES, Role } from '@tip/domain';
import { mintToken, resolveJwtSecret } from '@tip/auth';
import { TipClient } from './api-client';
import { databaseOptionsFrom, withDatabase } from './database';
import { parseQuotaTable, planQuotaImport } from './lianyungang-quotas';
import { knownReadModels, readModelsNamed, rebuildReadModels, unknownReadModelMessage } from './rebuild';
import { parseTeacherTable } from './teachers-csv';
import { verifyEventStore } from './verify';

const program = new Command('tip')
  .description('TIP operators’ tool: tokens, imports, verification and read-model rebuilds')
  .showHelpAfterError();

const secretOf = async () =>
  (await resolveJwtSecret(process.env.TIP_JWT_SECRET, path.resolve(process.env.TIP_DATA_DIR ?? './data'))).secret;

function role(value: string): Role {
  if (!(ROLES as readonly string[]).includes(value)) throw new InvalidArgumentError(`one of ${ROLES.join(', ')}`);
  return value as Role;
}

program
  .command('token')
  .description('mint a bearer token (signed with TIP_JWT_SECRET, or the secret in TIP_DATA_DIR)')
  .addOption(new Option('--role <role>', 'the actor’s role').argParser(role).makeOptionMandatory())
  .option('--unit <unitId>', 'the actor’s org unit (a teacher’s school)')
  .option('--sub <id>', 'the actor’s id', 'operator')
  .option('--expires <duration>', 'lifetime, e.g. 30m, 12h, 7d', '12h')
  .action(async (options: { role: Role; unit?: string; sub: string; expires: string }) => {
    console.log(
      await mintToken(
        await secretOf(),
        { sub: options.sub, role: options.role, unitId: options.unit },
        options.expires,
      ),
    );
  });

program
  .command('import-quotas')
  .description('replay a quota table (period,period_start,period_end,unit,unit_kind,quota) through the API')
  .argument('<csv>', 'the table, e.g. fixtures/lianyungang-2016-quotas.csv')
  .requiredOption('--programme <id>', 'the launched programme the batch belongs to')
  .requiredOption('--batch <id>', 'the batch to schedule (one period per table period)')
  .requiredOption('--province <unitId>', 'the province granting the seats')
  .requiredOption('--city <unitId>', 'the city handing them on to the table’s units')
  .option('--url <url>', 'the API', 'http://127.0.0.1:3000/api')
  .action(
    async (csv: string, options: { programme: string; batch: string; province: string; city: string; url: string }) => {
      const rows = parseQuotaTable(await readFile(csv, 'utf8'));
      const commands = planQuotaImport(rows, {
        programmeId: options.programme,
        batchId: options.batch,
        provinceId: options.province,
        cityId: options.city,
        provinceAdmin: 'quota-import',
        cityAdmin: 'quota-import',
      });
      const client = new TipClient(
        options.url,
        await mintToken(await secretOf(), { sub: 'quota-import', role: 'system' }, '1h'),
      );
      const progress = new SingleBar(
        { format: 'importing {bar} {value}/{total} commands | {eta_formatted} left' },
        Presets.shades_classic,
      );
      progress.start(commands.length, 0);
      try {
        for (const command of commands) {
          const result = await client.send(command.name, command.body, command.idempotencyKey);
          if (result.status !== 200) {
            throw new Error(
              `${command.name} ${JSON.stringify(command.body)} was refused (${result.status}): ${JSON.stringify(result.body)}`,
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
  .option('--url <url>', 'the API', 'http://127.0.0.1:3000/api')
  .action(async (csv: string, options: { url: string }) => {
    const rows = parseTeacherTable(await readFile(csv, 'utf8'));
    const client = new TipClient(
      options.url,
      await mintToken(await secretOf(), { sub: 'teacher-import', role: 'system' }, '1h'),
    );
    const progress = new SingleBar(
      { format: 'registering {bar} {value}/{total} teachers | {eta_formatted} left' },
      Presets.shades_classic,
    );
    progress.start(rows.length, 0);
    const refused: string[] = [];
    try {
      for (const row of rows) {
        const result = await client.send('RegisterTeacher', row, encodeURIComponent(`teacher-import|${row.teacherId}`));
        // One bad row (a mistyped ID number) should not stop the others: report it and go on.
        if (result.status !== 200) refused.push(`${row.teacherId}: ${JSON.stringify(result.body)}`);
        progress.increment();
      }
    } finally {
      progress.stop();
    }
    console.log(`Registered ${rows.length - refused.length} of ${rows.length} teachers.`);
    if (refused.length > 0) {
      console.error(`Refused:\n${refused.join('\n')}`);
      process.exitCode = 1;
    }
  });

program
  .command('verify')
  .description(
    'check every hash chain in the database (DATABASE_URL, or the embedded PostgreSQL of TIP_DATA_DIR); exit 1 naming the first broken event',
  )
  .action(async () => {
    process.exitCode = await withDatabase(databaseOptionsFrom(process.env), (connectionString) =>
      verifyEventStore(connectionString),
    );
  });

program
  .command('rebuild')
  .description(
    `rebuild read models from the first event and swap them in while the API keeps running (${knownReadModels().join(', ')}; none: all)`,
  )
  .argument('[names...]', 'the read models to rebuild')
  .action(async (names: string[]) => {
    const selected = readModelsNamed(names);
    // Named wrongly: say so before starting a database for nothing.
    if ('unknown' in selected) {
      console.error(unknownReadModelMessage(selected.unknown));
      process.exitCode = 2;
      return;
    }
    process.exitCode = await withDatabase(databaseOptionsFrom(process.env), (connectionString) =>
      rebuildReadModels(connectionString, names),
    );
  });

program.parseAsync().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
