import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import {
  BEHIND_MARK,
  chineseDate,
  CHINESE_ORDINALS,
  COLUMN_LABELS,
  FIGURE_LABELS,
  KIND_LABELS,
  noticePeriodLine,
  noticeSourceLine,
  SOURCE_LABELS,
} from './notice-labels';
import type { NoticeCounts, NoticeLevel, NoticeRates, NoticeRow, WeeklyNotice } from './weekly-notice';

/**
 * text; count and hours: plain numbers; percent: a rate in percent (Excel: a percent cell);
 * points: percentage points. `signed` shows a change with its sign.
 */
type Format = 'text' | 'count' | 'hours' | 'percent' | 'points';

/** One leaf column, shared by the three renderers so CSV, XLSX and HTML never drift apart. */
interface Column {
  /** The figure a 本周/上周/变化 column sits under. */
  group?: string;
  label: string;
  format: Format;
  signed?: boolean;
  /** In Excel character widths. */
  width: number;
  /**
   * The HTML table that shows it: 1 the counts, 2 the rates and hours, 3 the pilot schools, both
   * (rank, name: every table); null for CSV and XLSX only.
   */
  part: 1 | 2 | 3 | 'both' | null;
  value(row: NoticeRow, notice: WeeklyNotice): string | number | null;
}

const weekly = (key: keyof NoticeCounts | keyof NoticeRates, format: Format, part: 1 | 2, width = 8): Column[] => [
  { group: FIGURE_LABELS[key], label: COLUMN_LABELS.thisWeek, format, width, part, value: (r) => r.thisWeek[key] },
  { group: FIGURE_LABELS[key], label: COLUMN_LABELS.lastWeek, format, width, part, value: (r) => r.lastWeek[key] },
  {
    group: FIGURE_LABELS[key],
    label: COLUMN_LABELS.change,
    format: format === 'percent' ? 'points' : format,
    signed: true,
    width,
    part,
    value: (r) => r.change[key],
  },
];

function columnsOf(notice: WeeklyNotice): Column[] {
  return [
    { label: COLUMN_LABELS.level, format: 'text', width: 11, part: null, value: (r) => KIND_LABELS[r.kind] },
    { label: COLUMN_LABELS.rank, format: 'count', width: 6, part: 'both', value: (r) => r.rank },
    { label: COLUMN_LABELS.unitId, format: 'text', width: 12, part: null, value: (r) => r.unitId },
    { label: COLUMN_LABELS.name, format: 'text', width: 28, part: 'both', value: (r) => r.name },
    {
      label: COLUMN_LABELS.requiredSource,
      format: 'text',
      width: 8,
      part: 1,
      value: (r) => SOURCE_LABELS[r.requiredSource],
    },
    ...(['required', 'enrolled', 'confirmed', 'onlinePassed', 'assessed', 'passed', 'trained'] as const).flatMap(
      (key) => weekly(key, 'count', 1),
    ),
    ...(['participationPercent', 'passPercent', 'completionPercent'] as const).flatMap((key) =>
      weekly(key, 'percent', 2),
    ),
    { label: COLUMN_LABELS.target, format: 'percent', width: 9, part: 2, value: (r) => r.targetPercent },
    { label: COLUMN_LABELS.behindBy, format: 'points', width: 9, part: 2, value: (r) => r.behindByPoints },
    {
      label: COLUMN_LABELS.behind,
      format: 'text',
      width: 6,
      part: 2,
      value: (r) => (r.behind ? BEHIND_MARK.yes : BEHIND_MARK.no),
    },
    ...weekly('hoursRecognised', 'hours', 2, 10),
    {
      label: FIGURE_LABELS.othersEnrolled,
      format: 'count',
      width: 10,
      part: 2,
      value: (r) => r.thisWeek.othersEnrolled,
    },
    ...(notice.quotas
      ? [
          {
            label: FIGURE_LABELS.seatsReceived,
            format: 'count' as const,
            width: 9,
            part: 2 as const,
            value: (r: NoticeRow) => r.thisWeek.seatsReceived,
          },
        ]
      : []),
    {
      label: FIGURE_LABELS.schoolsTotal,
      format: 'count',
      width: 9,
      part: 2,
      value: (r) => r.thisWeek.schoolsTotal,
    },
    {
      label: FIGURE_LABELS.schoolsClosed,
      format: 'count',
      width: 10,
      part: 2,
      value: (r) => r.thisWeek.schoolsClosed,
    },
    ...(notice.pilotSchools ? pilotColumns : []),
  ];
}

/** Where the rulebook designates pilots: each unit's against its ask (owner's own, a county's), and the late ones. */
const pilotColumns: Column[] = [
  { label: COLUMN_LABELS.pilotsCounted, format: 'count', width: 9, part: 3, value: (r) => r.pilots?.counted ?? null },
  {
    label: COLUMN_LABELS.pilotsRequired,
    format: 'count',
    width: 10,
    part: 3,
    value: (r) => r.pilots?.required ?? null,
  },
  {
    label: COLUMN_LABELS.pilotsShort,
    format: 'text',
    width: 8,
    part: 3,
    value: (r) => (r.pilots?.short ? BEHIND_MARK.yes : BEHIND_MARK.no),
  },
  { label: COLUMN_LABELS.pilotsLate, format: 'count', width: 10, part: 3, value: (r) => r.pilots?.late ?? null },
  {
    label: COLUMN_LABELS.pilotFinishBy,
    format: 'text',
    width: 12,
    part: 3,
    value: (r) => r.pilots?.finishBy ?? '',
  },
];

/** The notice's own unit is shown as a level of its own, ahead of the levels below it. */
function sections(notice: WeeklyNotice): NoticeLevel[] {
  return [{ kind: notice.unit.kind, rows: [notice.unit] }, ...notice.levels];
}

/** Rounds away float noise (12.5 − 8.3 = 4.199999…) without hiding genuine half hours. */
function formatNumber(value: number): string {
  return String(Math.round(value * 100) / 100);
}

function formatSigned(value: number, text: (value: number) => string): string {
  const rounded = Math.round(value * 100) / 100;
  if (rounded > 0) return `+${text(rounded)}`;
  if (rounded < 0) return `−${text(-rounded)}`; // U+2212, the typographic minus
  return text(0);
}

const oneDecimal = (value: number): string => value.toFixed(1);

/**
 * As shown on paper: a rate with one decimal, "—" where there is none. One function per column,
 * made once: a province's notice shows some 600,000 values.
 */
function displayOf(column: Column, typographic: boolean): (value: string | number | null) => string {
  const text = column.format === 'percent' || column.format === 'points' ? oneDecimal : formatNumber;
  return (value) => {
    if (value === null) return typographic ? '—' : '';
    if (typeof value === 'string') return value;
    if (!column.signed) return text(value);
    if (typographic) return formatSigned(value, text);
    return value > 0 ? `+${text(value)}` : text(value);
  };
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
    target: notice.targetPercent.toFixed(1),
    ...(notice.extensions.length > 0
      ? { batchEndsOn: notice.batchEndsOn, extendedFrom: notice.batchScheduledEndsOn }
      : {}),
  });
}

function sourceLine(notice: WeeklyNotice): string | undefined {
  return notice.source && noticeSourceLine(notice.source, localDateTime(notice.source.signedAt));
}

function issueLine(notice: WeeklyNotice): string {
  const { issuingOffice, documentNumber, issuedOn } = notice.heading;
  return [issuingOffice, documentNumber, chineseDate(issuedOn)].filter((part) => part).join('\u3000');
}

const headerText = (c: Column): string => `${c.group ?? ''}${c.label}`;

/** Unit names are user input; a leading = + - @ would run as a formula when Excel opens the file. */
const defuseFormula = (text: string): string => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);

export function renderNoticeCsv(notice: WeeklyNotice): string {
  const columns = columnsOf(notice);
  // Only text can need quoting: a figure is digits, a sign and a point.
  const shown = columns.map((c) => {
    const display = displayOf(c, false);
    return c.format === 'text'
      ? (row: NoticeRow) => csvField(defuseFormula(display(c.value(row, notice))))
      : (row: NoticeRow) => display(c.value(row, notice));
  });
  const lines = sections(notice).flatMap((level) =>
    level.rows.map((row) => {
      let line = shown[0](row);
      for (let index = 1; index < shown.length; index++) line += `,${shown[index](row)}`;
      return `${line}\r\n`;
    }),
  );
  const source = sourceLine(notice);
  // A last row of the table's width, so that the file stays a rectangle for strict readers.
  const sourceRow = source ? [csvRecord([source, ...columns.slice(1).map(() => '')])] : [];
  return ['\ufeff', csvRecord(columns.map(headerText)), ...lines, ...sourceRow].join('');
}

/**
 * RFC 4180 as csv-stringify writes it (a unit test holds the two equal): a field is quoted when it
 * holds a comma, a quote or a CRLF, its quotes doubled; CRLF after every record. Written here
 * because csv-stringify spent 1 µs a field, 0.8 s on a province's 13,000 rows.
 */
const csvField = (field: string): string =>
  field.includes(',') || field.includes('"') || field.includes('\r\n') ? `"${field.replaceAll('"', '""')}"` : field;

const csvRecord = (record: readonly string[]): string => `${record.map(csvField).join(',')}\r\n`;

/** Records as CSV text with a BOM, so Excel reads UTF-8. */
export function csvText(records: readonly (readonly string[])[]): string {
  return ['\ufeff', ...records.map(csvRecord)].join('');
}

// ── XLSX ───────────────────────────────────────────────────────────────────────────────────

/** Excel rejects []:*?/\ in sheet names and anything over 31 characters. */
function sheetName(label: string, taken: Set<string>): string {
  const base = label.replace(/[[\]:*?/\\]/g, '_').slice(0, 28);
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}(${i})`;
  taken.add(name);
  return name;
}

/** Rates are stored as fractions (0.253) so Excel shows and computes them as percents. */
const NUM_FMT: Record<Format, string | undefined> = {
  text: undefined,
  count: '0',
  hours: '0.##',
  percent: '0.0%',
  points: '0.0',
};
const SIGNED_FMT: Record<Format, string | undefined> = {
  text: undefined,
  count: '+0;-0;0',
  hours: '+0.##;-0.##;0',
  percent: '+0.0%;-0.0%;0.0%',
  points: '+0.0%;-0.0%;0.0%',
};

function cellValue(value: string | number | null, column: Column): ExcelJS.CellValue {
  if (value === null) return null;
  // An empty text (a unit not behind) is an empty cell.
  if (typeof value === 'string') return value === '' ? null : value;
  // A rate and its change are percents in Excel; behind-by stays in points.
  if (column.format === 'percent' || (column.format === 'points' && column.signed)) return value / 100;
  return value;
}

const BEHIND_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFC7CE' } }; // Excel's "light red fill"
const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFF2F2F2' } };
/** Title, issuing line, period line, then the two header rows. */
const TITLE_ROWS = 3;
const HEADER_ROWS = 2;

/**
 * One sheet per level (the unit first), headers frozen with the unit's name, written as a
 * stream: rows are serialised as they come rather than kept as a workbook model.
 */
export async function renderNoticeXlsx(notice: WeeklyNotice): Promise<Buffer> {
  const columns = columnsOf(notice);
  const chunks: Buffer[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  // Zipped at deflate's fastest level: a province's 13,000 rows spent a tenth of their time compressing.
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream,
    useStyles: true,
    useSharedStrings: false,
    zip: { zlib: { level: 1 } },
  });
  workbook.creator = 'TIP';
  const taken = new Set<string>();
  const nameColumn = columns.findIndex((c) => c.label === COLUMN_LABELS.name) + 1;
  // One style object per column and kind of row, shared by every cell: exceljs numbers a style
  // it has seen before by identity, so a thousand rows cost one lookup each, not a hashing.
  const styleOf = (c: Column, fill?: ExcelJS.Fill): Partial<ExcelJS.Style> => {
    const numFmt = c.signed ? SIGNED_FMT[c.format] : NUM_FMT[c.format];
    return { ...(numFmt ? { numFmt } : {}), ...(fill ? { fill } : {}) };
  };
  const plainStyles = columns.map((c) => styleOf(c));
  const behindStyles = columns.map((c) => styleOf(c, BEHIND_FILL));
  for (const [index, level] of sections(notice).entries()) {
    const sheet = workbook.addWorksheet(sheetName(KIND_LABELS[level.kind], taken), {
      views: [{ state: 'frozen', xSplit: nameColumn, ySplit: TITLE_ROWS + HEADER_ROWS }],
      pageSetup: {
        paperSize: 9,
        orientation: 'landscape',
        fitToPage: true,
        fitToWidth: 1,
        fitToHeight: 0,
        printTitlesRow: `${TITLE_ROWS + 1}:${TITLE_ROWS + HEADER_ROWS}`,
      },
    });
    sheet.columns = columns.map((c) => ({ width: c.width }));
    // A streamed row is gone once committed: cells merge before.
    const titles = [notice.heading.title, issueLine(notice), periodLine(notice)].map((text) => sheet.addRow([text]));
    titles[0].font = { bold: true, size: 14 };
    for (const title of titles) {
      sheet.mergeCells(title.number, 1, title.number, columns.length);
      title.commit();
    }
    writeHeader(sheet, columns);
    for (const row of level.rows) {
      const line = sheet.addRow(columns.map((c) => cellValue(c.value(row, notice), c)));
      const styles = row.behind ? behindStyles : plainStyles;
      for (let i = 0; i < columns.length; i++) line.getCell(i + 1).style = styles[i];
      line.commit();
    }
    if (index === 0) {
      // The summary under the unit's own figures, as the paragraph a reader meets first.
      sheet.addRow([]).commit();
      const summary = sheet.addRow([notice.summary]);
      summary.alignment = { wrapText: true, vertical: 'top' };
      summary.height = 15 * Math.ceil(notice.summary.length / 120 + 1);
      sheet.mergeCells(summary.number, 1, summary.number, columns.length);
      summary.commit();
      const source = sourceLine(notice);
      if (source) sheet.addRow([source]).commit();
    }
    sheet.commit();
  }
  await workbook.commit();
  return Buffer.concat(chunks);
}

/** Two header rows: a figure's label spans its 本周/上周/变化; the other columns span both rows. */
function writeHeader(sheet: ExcelJS.Worksheet, columns: readonly Column[]): void {
  const [top, bottom] = [TITLE_ROWS + 1, TITLE_ROWS + 2];
  const upper = sheet.addRow(
    columns.map((c, i) => (!c.group ? c.label : columns[i - 1]?.group !== c.group ? c.group : null)),
  );
  const lower = sheet.addRow(columns.map((c) => (c.group ? c.label : null)));
  for (const row of [upper, lower]) {
    row.font = { bold: true };
    row.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
    for (let col = 1; col <= columns.length; col++) row.getCell(col).fill = HEADER_FILL;
  }
  columns.forEach((c, i) => {
    if (!c.group) sheet.mergeCells(top, i + 1, bottom, i + 1);
    else if (columns[i - 1]?.group !== c.group) sheet.mergeCells(top, i + 1, top, i + 3);
  });
  upper.commit();
  lower.commit();
}

// ── HTML ───────────────────────────────────────────────────────────────────────────────────

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (ch) => ENTITIES[ch] ?? ch);

/**
 * Each level's figures are two tables (counts, then rates and hours), each narrow enough for
 * an A4 landscape page and a 1280-px screen: nothing is cut, a long name wraps in its cell.
 */
const STYLE = `
@page { size: A4 landscape; margin: 12mm }
body { font-family: "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", sans-serif; font-size: 8pt; margin: 0 auto; max-width: 1280px; padding: 0 8px; box-sizing: border-box }
@media print { body { font-size: 7pt; padding: 0; max-width: none } }
header.masthead { text-align: center; margin-bottom: 6pt }
.office { color: #c00; font-size: 20pt; font-weight: bold; letter-spacing: 2pt }
.docno { margin-top: 4pt }
hr.rule { border: 0; border-top: 1.5pt solid #c00; margin: 4pt 0 8pt }
h1 { font-size: 14pt; margin: 0 0 4pt }
p.period { margin: 0 0 6pt }
p.summary { text-indent: 2em; line-height: 1.6; margin: 0 0 8pt }
p.source { font-size: 8pt; color: #555; word-break: break-all; margin: 8pt 0 0 }
h2 { font-size: 11pt; margin: 10pt 0 3pt; break-after: avoid }
h3 { font-size: 9pt; margin: 6pt 0 2pt; break-after: avoid }
table { border-collapse: collapse; width: 100%; table-layout: fixed }
th, td { border: 0.5pt solid #888; padding: 1pt 2pt; text-align: right; overflow-wrap: anywhere }
th { background: #f2f2f2; text-align: center; font-weight: bold }
td.text { text-align: left }
col.rank { width: 3.5% } col.name { width: 15% } col.source { width: 4% }
thead { display: table-header-group }
tr { break-inside: avoid }
tr.behind td { background: #ffc7ce }
tr.pilot-alert td { background: #ffe699 }
footer { text-align: right; margin-top: 12pt; line-height: 1.8 }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact }
`;

const COL_CLASS: Partial<Record<string, string>> = {
  [COLUMN_LABELS.rank]: 'rank',
  [COLUMN_LABELS.name]: 'name',
  [COLUMN_LABELS.requiredSource]: 'source',
};

/** A unit short of pilots, or a pilot late: marked in the pilots' table. */
const pilotAlert = (row: NoticeRow): boolean => row.pilots !== null && (row.pilots.short || row.pilots.late > 0);

function htmlTable(
  notice: WeeklyNotice,
  level: NoticeLevel,
  columns: readonly Column[],
  alert: (row: NoticeRow) => boolean = () => false,
): string {
  const colgroup = columns.map((c) => `<col${COL_CLASS[c.label] ? ` class="${COL_CLASS[c.label]}"` : ''}>`).join('');
  const top = columns.map((c, i) => {
    if (!c.group) return `<th rowspan="2">${escapeHtml(c.label)}</th>`;
    return columns[i - 1]?.group === c.group ? '' : `<th colspan="3">${escapeHtml(c.group)}</th>`;
  });
  const bottom = columns.filter((c) => c.group).map((c) => `<th>${escapeHtml(c.label)}</th>`);
  const head = `<thead><tr>${top.join('')}</tr>${bottom.length ? `<tr>${bottom.join('')}</tr>` : ''}</thead>`;
  const shown = columns.map((c) => {
    const display = displayOf(c, true);
    const open =
      c.format === 'text' && c.label !== COLUMN_LABELS.behind && c.label !== COLUMN_LABELS.pilotsShort
        ? '<td class="text">'
        : '<td>';
    // Only text can hold what HTML escapes: figures are digits, signs and points.
    return c.format === 'text'
      ? (row: NoticeRow) => `${open}${escapeHtml(display(c.value(row, notice)))}</td>`
      : (row: NoticeRow) => `${open}${display(c.value(row, notice))}</td>`;
  });
  const rows = level.rows.map((row) => {
    const cells = shown.map((show) => show(row));
    const classes = [row.behind ? 'behind' : '', alert(row) ? 'pilot-alert' : ''].filter((each) => each);
    const attributes = `data-unit-id="${escapeHtml(row.unitId)}"${classes.length ? ` class="${classes.join(' ')}"` : ''}`;
    return `<tr ${attributes}>${cells.join('')}</tr>`;
  });
  return `<table><colgroup>${colgroup}</colgroup>${head}<tbody>${rows.join('\n')}</tbody></table>`;
}

export function renderNoticeHtml(notice: WeeklyNotice): string {
  const columns = columnsOf(notice);
  const part = (n: 1 | 2 | 3) => columns.filter((c) => c.part === n || c.part === 'both');
  const title = escapeHtml(notice.heading.title);
  const body = sections(notice).map((level, index) => {
    const heading = index === 0 ? `${notice.unit.name}（合计）` : KIND_LABELS[level.kind];
    return [
      `<section data-kind="${level.kind}"><h2>${CHINESE_ORDINALS[index] ?? index + 1}、${escapeHtml(heading)}</h2>`,
      `<h3>（一）${COLUMN_LABELS.counts}</h3>`,
      htmlTable(notice, level, part(1)),
      `<h3>（二）${COLUMN_LABELS.rates}</h3>`,
      htmlTable(notice, level, part(2)),
      ...(notice.pilotSchools
        ? [`<h3>（三）${COLUMN_LABELS.pilots}</h3>`, htmlTable(notice, level, part(3), pilotAlert)]
        : []),
      '</section>',
    ].join('\n');
  });
  const { issuingOffice, documentNumber, issuedOn } = notice.heading;
  return [
    '<!DOCTYPE html>',
    '<html lang="zh-CN">',
    `<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title><style>${STYLE}</style></head>`,
    '<body>',
    '<header class="masthead">',
    `<div class="office">${escapeHtml(issuingOffice)}</div>`,
    documentNumber ? `<div class="docno">${escapeHtml(documentNumber)}</div>` : '',
    '<hr class="rule">',
    `<h1>${title}</h1>`,
    `<p class="period">${escapeHtml(periodLine(notice))}</p>`,
    '</header>',
    `<p class="summary">${escapeHtml(notice.summary)}</p>`,
    ...body,
    ...(notice.source ? [`<p class="source">${escapeHtml(sourceLine(notice) ?? '')}</p>`] : []),
    `<footer><div>${escapeHtml(issuingOffice)}</div><div>${escapeHtml(chineseDate(issuedOn))}</div></footer>`,
    '</body></html>',
    '',
  ].join('\n');
}
