import { stringify } from 'csv-stringify/sync';
import { Workbook, type Worksheet } from 'exceljs';
import { BEHIND_MARK, COLUMN_LABELS, FIGURE_LABELS, KIND_LABELS, noticePeriodLine, noticeTitle } from './notice-labels';
import { NOTICE_FIGURES, type NoticeLevel, type NoticeRow, type WeeklyNotice } from './weekly-notice';

type Format = 'text' | 'number' | 'change' | 'percent';

/** One leaf column, shared by all three renderers so CSV, XLSX and HTML never drift apart. */
interface Column {
  /** The figure label a 本周/上周/变化 column sits under. */
  group?: string;
  label: string;
  format: Format;
  /** In Excel character widths. */
  width: number;
  value(row: NoticeRow, notice: WeeklyNotice): string | number;
}

const COLUMNS: readonly Column[] = [
  { label: COLUMN_LABELS.level, format: 'text', width: 11, value: (r) => KIND_LABELS[r.kind] },
  { label: COLUMN_LABELS.rank, format: 'number', width: 6, value: (r) => r.rank },
  { label: COLUMN_LABELS.unitId, format: 'text', width: 12, value: (r) => r.unitId },
  { label: COLUMN_LABELS.name, format: 'text', width: 28, value: (r) => r.name },
  ...NOTICE_FIGURES.flatMap((key): Column[] => [
    {
      group: FIGURE_LABELS[key],
      label: COLUMN_LABELS.thisWeek,
      format: 'number',
      width: 8,
      value: (r) => r.thisWeek[key],
    },
    {
      group: FIGURE_LABELS[key],
      label: COLUMN_LABELS.lastWeek,
      format: 'number',
      width: 8,
      value: (r) => r.lastWeek[key],
    },
    { group: FIGURE_LABELS[key], label: COLUMN_LABELS.change, format: 'change', width: 8, value: (r) => r.change[key] },
  ]),
  { label: COLUMN_LABELS.progress, format: 'percent', width: 9, value: (r) => r.progressPercent },
  { label: COLUMN_LABELS.pace, format: 'percent', width: 10, value: (_, n) => n.pacePercent },
  {
    label: COLUMN_LABELS.behind,
    format: 'text',
    width: 6,
    value: (r) => (r.behind ? BEHIND_MARK.yes : BEHIND_MARK.no),
  },
];

const BEHIND_FILL = 'FFFFC7CE'; // Excel's own "light red fill", so it reads as a warning to office users.
const HEADER_FILL = 'FFF2F2F2';

/** The notice's own unit is shown as a level of its own, ahead of the levels below it. */
function sections(notice: WeeklyNotice): NoticeLevel[] {
  return [{ kind: notice.unit.kind, rows: [notice.unit] }, ...notice.levels];
}

/** Rounds away float noise (12.5 − 8.3 = 4.199999…) without hiding genuine half hours. */
function formatNumber(value: number): string {
  return String(Math.round(value * 100) / 100);
}

function formatSigned(value: number): string {
  const rounded = Math.round(value * 100) / 100;
  if (rounded > 0) return `+${formatNumber(rounded)}`;
  if (rounded < 0) return `−${formatNumber(-rounded)}`; // U+2212, the typographic minus
  return '0';
}

function display(value: string | number, format: Format, signed: boolean): string {
  if (typeof value === 'string') return value;
  if (format === 'percent') return value.toFixed(1);
  return format === 'change' && signed ? formatSigned(value) : formatNumber(value);
}

/** Shanghai has kept UTC+8 without DST since 1991, so a fixed offset is exact here. */
function localDateTime(instant: string): string {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) return instant;
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
}

function periodLine(notice: WeeklyNotice): string {
  const { weekStartsOn, weekEndsOn, week } = notice;
  return noticePeriodLine({
    weekStartsOn,
    weekEndsOn,
    week,
    asOf: localDateTime(notice.asOf),
    pace: notice.pacePercent.toFixed(1),
  });
}

const headerText = (c: Column): string => `${c.group ?? ''}${c.label}`;

/** Unit names are user input; a leading = + - @ would run as a formula when Excel opens the file. */
const defuseFormula = (text: string): string => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);

export function renderNoticeCsv(notice: WeeklyNotice): string {
  const rows = sections(notice).flatMap((level) =>
    level.rows.map((row) =>
      COLUMNS.map((c) => {
        const text = display(c.value(row, notice), c.format, false);
        return c.format === 'text' ? defuseFormula(text) : text;
      }),
    ),
  );
  return stringify([COLUMNS.map(headerText), ...rows], { bom: true, record_delimiter: 'windows' });
}

/** Excel rejects []:*?/\ in sheet names and anything over 31 characters. */
function sheetName(label: string, taken: Set<string>): string {
  const base = label.replace(/[[\]:*?/\\]/g, '_').slice(0, 28);
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}(${i})`;
  taken.add(name);
  return name;
}

const NUM_FMT: Record<Format, string | undefined> = {
  text: undefined,
  number: undefined,
  change: '+General;-General;0',
  percent: '0.0',
};

function addLevelSheet(workbook: Workbook, notice: WeeklyNotice, level: NoticeLevel, name: string): void {
  const sheet = workbook.addWorksheet(name, {
    views: [{ state: 'frozen', xSplit: 4, ySplit: 4 }], // keep the header and the unit's name in view
    pageSetup: {
      paperSize: 9,
      orientation: 'landscape',
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0,
      printTitlesRow: '3:4',
    },
  });
  const last = COLUMNS.length;
  sheet.columns = COLUMNS.map((c) => ({ width: c.width }));

  sheet.getCell(1, 1).value = noticeTitle(notice.batchName, notice.week);
  sheet.getCell(1, 1).font = { bold: true, size: 14 };
  sheet.getCell(2, 1).value = periodLine(notice);
  for (const r of [1, 2]) sheet.mergeCells(r, 1, r, last);

  writeHeader(sheet);

  for (const row of level.rows) {
    const line = sheet.addRow(COLUMNS.map((c) => c.value(row, notice)));
    COLUMNS.forEach((c, i) => {
      const cell = line.getCell(i + 1);
      const numFmt = NUM_FMT[c.format];
      if (numFmt) cell.numFmt = numFmt;
      if (row.behind) cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: BEHIND_FILL } };
    });
  }
}

/** Two header rows: a figure's label spans its 本周/上周/变化; the other columns span both rows. */
function writeHeader(sheet: Worksheet): void {
  COLUMNS.forEach((c, i) => {
    const col = i + 1;
    if (!c.group) {
      sheet.getCell(3, col).value = c.label;
      sheet.mergeCells(3, col, 4, col);
      return;
    }
    sheet.getCell(4, col).value = c.label;
    if (COLUMNS[i - 1]?.group !== c.group) {
      sheet.getCell(3, col).value = c.group;
      sheet.mergeCells(3, col, 3, col + 2);
    }
  });
  for (const r of [3, 4]) {
    const row = sheet.getRow(r);
    row.font = { bold: true };
    row.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
    for (let col = 1; col <= COLUMNS.length; col++) {
      row.getCell(col).fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: HEADER_FILL } };
    }
  }
}

export async function renderNoticeXlsx(notice: WeeklyNotice): Promise<Buffer> {
  const workbook = new Workbook();
  workbook.creator = 'TIP';
  const taken = new Set<string>();
  for (const level of sections(notice))
    addLevelSheet(workbook, notice, level, sheetName(KIND_LABELS[level.kind], taken));
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (ch) => ENTITIES[ch] ?? ch);

const STYLE = `
@page { size: A4 landscape; margin: 12mm }
body { font-family: "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", sans-serif; font-size: 7.5pt; margin: 0 }
h1 { font-size: 14pt; text-align: center; margin: 0 0 4pt }
h2 { font-size: 11pt; margin: 8pt 0 3pt; page-break-after: avoid }
p.period { text-align: center; margin: 0 0 6pt }
table { border-collapse: collapse; width: 100% }
th, td { border: 0.5pt solid #888; padding: 1pt 2pt; text-align: right; white-space: nowrap }
th { background: #f2f2f2; text-align: center }
td.text { text-align: left; white-space: normal }
thead { display: table-header-group }
tr { page-break-inside: avoid; break-inside: avoid }
tr.behind td { background: #ffc7ce }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact }
`;

function htmlHeader(): string {
  const top = COLUMNS.map((c, i) => {
    if (!c.group) return `<th rowspan="2">${escapeHtml(c.label)}</th>`;
    return COLUMNS[i - 1]?.group === c.group ? '' : `<th colspan="3">${escapeHtml(c.group)}</th>`;
  });
  const bottom = COLUMNS.filter((c) => c.group).map((c) => `<th>${escapeHtml(c.label)}</th>`);
  return `<thead><tr>${top.join('')}</tr><tr>${bottom.join('')}</tr></thead>`;
}

function htmlRow(row: NoticeRow, notice: WeeklyNotice): string {
  const cells = COLUMNS.map((c) => {
    const text = escapeHtml(display(c.value(row, notice), c.format, true));
    return c.format === 'text' ? `<td class="text">${text}</td>` : `<td>${text}</td>`;
  });
  return `<tr${row.behind ? ' class="behind"' : ''}>${cells.join('')}</tr>`;
}

export function renderNoticeHtml(notice: WeeklyNotice): string {
  const title = escapeHtml(noticeTitle(notice.batchName, notice.week));
  const header = htmlHeader();
  const body = sections(notice).map(
    (level) =>
      `<section><h2>${escapeHtml(KIND_LABELS[level.kind])}</h2><table>${header}<tbody>${level.rows
        .map((row) => htmlRow(row, notice))
        .join('\n')}</tbody></table></section>`,
  );
  return [
    '<!DOCTYPE html>',
    '<html lang="zh-CN">',
    `<head><meta charset="utf-8"><title>${title}</title><style>${STYLE}</style></head>`,
    `<body><h1>${title}</h1><p class="period">${escapeHtml(periodLine(notice))}</p>`,
    ...body,
    '</body></html>',
    '',
  ].join('\n');
}
