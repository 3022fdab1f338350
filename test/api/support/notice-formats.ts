import { parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { parse as parseHtml } from 'node-html-parser';

/**
 * A weekly notice read back from each format, as a reader would: one record per unit, keyed by
 * the header as printed (a measure's label and 本周/上周/变化 run together, e.g. 完成率本周).
 */
export type NoticeTable = Map<string, Record<string, string | number | null>>;

export function csvTable(text: string): NoticeTable {
  const [header, ...rows] = parseCsv(text, { bom: true }) as string[][];
  // The last row may name the signed history the figures came from (数据来源：…): no unit's.
  if (rows.at(-1)?.[0]?.startsWith('数据来源：')) rows.pop();
  const unitColumn = header.indexOf('单位代码');
  return new Map(rows.map((row) => [row[unitColumn], Object.fromEntries(header.map((name, i) => [name, row[i]]))]));
}

/** Every sheet's rows below its two header rows (a figure's label over 本周/上周/变化); the sheet names as they are. */
export async function xlsxTable(
  bytes: Buffer,
): Promise<{ sheets: string[]; table: NoticeTable; sheetOf: Map<string, string> }> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(new Uint8Array(bytes).buffer);
  const table: NoticeTable = new Map();
  const sheetOf = new Map<string, string>();
  for (const sheet of workbook.worksheets) {
    let headerRow = 0;
    sheet.eachRow((row, number) => {
      if (headerRow === 0 && row.getCell(1).value === '层级') headerRow = number;
    });
    const names: string[] = [];
    let group = '';
    for (let c = 1; c <= sheet.columnCount; c++) {
      const top = sheet.getCell(headerRow, c).value;
      const bottom = sheet.getCell(headerRow + 1, c).value;
      // A column without 本周/上周/变化 spans both header rows: its lower cell reads as the merged upper one.
      if (bottom === null || bottom === undefined || bottom === '' || bottom === top) {
        names.push(String(top));
        group = '';
      } else {
        if (top !== null && top !== undefined && top !== '') group = String(top);
        names.push(`${group}${String(bottom)}`);
      }
    }
    const unitColumn = names.indexOf('单位代码') + 1;
    for (let r = headerRow + 2; r <= sheet.rowCount; r++) {
      // The summary under the unit's figures is one cell merged across the row: no unit's.
      if (sheet.getCell(r, unitColumn).isMerged) continue;
      const unitId = sheet.getCell(r, unitColumn).value;
      if (typeof unitId !== 'string' || unitId === '') continue;
      table.set(
        unitId,
        Object.fromEntries(
          names.map((name, i) => {
            const value = sheet.getCell(r, i + 1).value;
            return [name, value === undefined ? null : (value as string | number | null)];
          }),
        ),
      );
      sheetOf.set(unitId, sheet.name);
    }
  }
  return { sheets: workbook.worksheets.map((sheet) => sheet.name), table, sheetOf };
}

/** Every table of every section; a unit's two tables (counts; rates and hours) merged into one record. */
export function htmlTable(text: string): { table: NoticeTable; root: ReturnType<typeof parseHtml> } {
  const root = parseHtml(text);
  const table: NoticeTable = new Map();
  for (const element of root.querySelectorAll('table')) {
    const [top, bottom] = element.querySelectorAll('thead tr');
    const names: string[] = [];
    const lower = bottom ? bottom.querySelectorAll('th').map((th) => th.text) : [];
    for (const th of top.querySelectorAll('th')) {
      const span = Number(th.getAttribute('colspan') ?? '1');
      if (span === 1) names.push(th.text);
      else for (let i = 0; i < span; i++) names.push(`${th.text}${lower.shift() ?? ''}`);
    }
    for (const tr of element.querySelectorAll('tbody tr')) {
      const unitId = tr.getAttribute('data-unit-id') ?? '';
      const cells = tr.querySelectorAll('td').map((td) => td.text);
      table.set(unitId, {
        ...table.get(unitId),
        ...Object.fromEntries(names.map((name, i) => [name, cells[i]])),
        behindRow: tr.classList.contains('behind') ? 'yes' : 'no',
      });
    }
  }
  return { table, root };
}
