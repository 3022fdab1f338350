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
import { zipEntries } from './zip';

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
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 100) / 100);
}

function formatSigned(value: number, text: (value: number) => string): string {
  const rounded = Math.round(value * 100) / 100;
  if (rounded > 0) return `+${text(rounded)}`;
  if (rounded < 0) return `−${text(-rounded)}`; // U+2212, the typographic minus
  return text(0);
}

/**
 * toFixed(1), without its cost where the value already has one decimal at most (every rate and
 * point shown is rounded so): the tenths written out.
 */
const oneDecimal = (value: number): string => {
  const tenths = Math.round(value * 10);
  if (tenths / 10 !== value || !Number.isSafeInteger(tenths)) return value.toFixed(1);
  const magnitude = Math.abs(tenths);
  return (tenths < 0 ? '-' : '') + Math.floor(magnitude / 10) + '.' + (magnitude % 10);
};

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
  const out = new Utf8Chunks();
  out.push('\ufeff' + csvRecord(columns.map(headerText)));
  for (const level of sections(notice))
    for (const row of level.rows) {
      let line = shown[0](row);
      for (let index = 1; index < shown.length; index++) line += ',' + shown[index](row);
      out.push(line + '\r\n');
    }
  const source = sourceLine(notice);
  // A last row of the table's width, so that the file stays a rectangle for strict readers.
  if (source) out.push(csvRecord([source, ...columns.slice(1).map(() => '')]));
  return out.text();
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

function cellValue(value: string | number | null, column: Column): string | number | null {
  if (value === null) return null;
  // An empty text (a unit not behind) is an empty cell.
  if (typeof value === 'string') return value === '' ? null : value;
  // A rate and its change are percents in Excel; behind-by stays in points.
  if (column.format === 'percent' || (column.format === 'points' && column.signed)) return value / 100;
  return value;
}

const BEHIND_FILL = 'FFFFC7CE'; // Excel's "light red fill"
const HEADER_FILL = 'FFF2F2F2';
/** Title, issuing line, period line, then the two header rows. */
const TITLE_ROWS = 3;
const HEADER_ROWS = 2;

/** The control characters XML 1.0 cannot hold (a unit's name is user input). */
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;
/** Text as XML character data: escaped, and without what XML cannot hold. */
const xmlText = (text: string): string => text.replace(NOT_XML, '').replace(/[&<>"]/g, (ch) => XML_ENTITIES[ch]);
const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** A, B, … Z, AA, …: a column's letters from its number (1-based). */
function columnLetters(column: number): string {
  let letters = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26))
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

/**
 * The workbook's cell formats (styles.xml's cellXfs), by index: the title, the header, the summary,
 * then one per number format, plain and filled for rows behind.
 */
class XlsxStyles {
  static readonly TITLE = 1;
  static readonly HEADER = 2;
  static readonly SUMMARY = 3;
  private readonly numFmts = new Map<string, number>();
  /** numFmtId per data format index; a data format's plain xf is FIRST_DATA + 2i, its behind xf + 1. */
  private readonly dataFormats: number[] = [];
  private static readonly FIRST_DATA = 4;

  /** The xf of a data cell of this number format (undefined: General), plain or behind; 0 for plain text. */
  data(numFmt: string | undefined, behind: boolean): number {
    if (numFmt === undefined && !behind) return 0;
    const id = numFmt === undefined ? 0 : numFmt === '0' ? 1 : this.numFmtId(numFmt);
    let index = this.dataFormats.indexOf(id);
    if (index < 0) index = this.dataFormats.push(id) - 1;
    return XlsxStyles.FIRST_DATA + 2 * index + (behind ? 1 : 0);
  }

  private numFmtId(code: string): number {
    let id = this.numFmts.get(code);
    if (id === undefined) this.numFmts.set(code, (id = 164 + this.numFmts.size));
    return id;
  }

  xml(): string {
    const numFmts = [...this.numFmts].map(([code, id]) => `<numFmt numFmtId="${id}" formatCode="${xmlText(code)}"/>`);
    const xf = (numFmtId: number, fontId: number, fillId: number, alignment = '') =>
      `<xf numFmtId="${numFmtId}" fontId="${fontId}" fillId="${fillId}" borderId="0" xfId="0"` +
      `${numFmtId ? ' applyNumberFormat="1"' : ''}${fontId ? ' applyFont="1"' : ''}${fillId ? ' applyFill="1"' : ''}` +
      (alignment ? ` applyAlignment="1"><alignment ${alignment}/></xf>` : '/>');
    const xfs = [
      xf(0, 0, 0),
      xf(0, 1, 0),
      xf(0, 2, 2, 'horizontal="center" vertical="center" wrapText="1"'),
      xf(0, 0, 0, 'vertical="top" wrapText="1"'),
      ...this.dataFormats.flatMap((id) => [xf(id, 0, 0), xf(id, 0, 3)]),
    ];
    const fill = (argb: string) =>
      `<fill><patternFill patternType="solid"><fgColor rgb="${argb}"/></patternFill></fill>`;
    return (
      `${XML_DECLARATION}<styleSheet xmlns="${SPREADSHEET_NS}">` +
      `<numFmts count="${numFmts.length}">${numFmts.join('')}</numFmts>` +
      '<fonts count="3"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>' +
      '<font><b/><sz val="14"/></font><font><b/></font></fonts>' +
      `<fills count="4"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>${fill(HEADER_FILL)}${fill(BEHIND_FILL)}</fills>` +
      '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
      '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
      `<cellXfs count="${xfs.length}">${xfs.join('')}</cellXfs>` +
      '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
    );
  }
}

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const SPREADSHEET_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const RELATIONSHIPS_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PACKAGE_RELATIONSHIPS_NS = 'http://schemas.openxmlformats.org/package/2006/relationships';

/**
 * One sheet per level (the unit first): the title, issuing and period lines merged across, a
 * two-row header (a figure's label over its 本周/上周/变化), frozen with the unit's name, printed
 * on A4 landscape one page wide with the header repeated; rates as percent cells, rows behind the
 * target filled light red, the summary under the unit's own figures. SpreadsheetML written as text
 * and zipped by yazl: exceljs spent about 1 s on a province's 590,000 cells, most of it its XML per
 * cell; the layout is the one it wrote (the specs read it back with exceljs).
 */
export async function renderNoticeXlsx(notice: WeeklyNotice): Promise<Buffer> {
  const columns = columnsOf(notice);
  const styles = new XlsxStyles();
  const taken = new Set<string>();
  const letters = columns.map((_, index) => columnLetters(index + 1));
  const last = letters[letters.length - 1];
  const nameColumn = columns.findIndex((c) => c.label === COLUMN_LABELS.name) + 1;
  const formatOf = (c: Column) => (c.signed ? SIGNED_FMT[c.format] : NUM_FMT[c.format]);
  // Each cell's markup around its row number and value, made once per column and kind of row.
  const cellParts = [false, true].map((behind) =>
    columns.map((c, i) => {
      const style = styles.data(formatOf(c), behind);
      const s = style ? ` s="${style}"` : '';
      return {
        open: `<c r="${letters[i]}`,
        empty: style ? `"${s}/>` : null,
        number: `"${s}><v>`,
        text: `"${s} t="str"><v>`,
      };
    }),
  );
  const titles = [notice.heading.title, issueLine(notice), periodLine(notice)];
  const sheets = sections(notice).map((level, index) => {
    const name = sheetName(KIND_LABELS[level.kind], taken);
    const rows = new Utf8Chunks();
    const merges: string[] = [];
    const textRow = (r: number, text: string, style = 0, height?: number) =>
      `<row r="${r}"${height ? ` ht="${height}" customHeight="1"` : ''}><c r="A${r}"${style ? ` s="${style}"` : ''} t="str"><v>${xmlText(text)}</v></c></row>`;
    titles.forEach((text, at) => {
      rows.push(textRow(at + 1, text, at === 0 ? XlsxStyles.TITLE : 0));
      merges.push(`A${at + 1}:${last}${at + 1}`);
    });
    for (const header of headerRows(columns, letters, merges)) rows.push(header);
    let r = TITLE_ROWS + HEADER_ROWS;
    for (const row of level.rows) {
      r++;
      const parts = cellParts[row.behind ? 1 : 0];
      let cells = '';
      for (let i = 0; i < columns.length; i++) {
        const value = cellValue(columns[i].value(row, notice), columns[i]);
        const part = parts[i];
        if (value === null) cells += part.empty === null ? '' : part.open + r + part.empty;
        else if (typeof value === 'number') cells += part.open + r + part.number + value + '</v></c>';
        else cells += part.open + r + part.text + xmlText(value) + '</v></c>';
      }
      rows.push('<row r="' + r + '">' + cells + '</row>');
    }
    if (index === 0) {
      // The summary under the unit's own figures, as the paragraph a reader meets first.
      r += 2;
      const height = 15 * Math.ceil(notice.summary.length / 120 + 1);
      rows.push(textRow(r, notice.summary, XlsxStyles.SUMMARY, height));
      merges.push(`A${r}:${last}${r}`);
      const source = sourceLine(notice);
      if (source) rows.push(textRow(++r, source));
    }
    const widths = columns.map((c, i) => `<col min="${i + 1}" max="${i + 1}" width="${c.width}" customWidth="1"/>`);
    const head =
      `${XML_DECLARATION}<worksheet xmlns="${SPREADSHEET_NS}" xmlns:r="${RELATIONSHIPS_NS}">` +
      '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>' +
      `<sheetViews><sheetView workbookViewId="0"><pane xSplit="${nameColumn}" ySplit="${TITLE_ROWS + HEADER_ROWS}"` +
      ` topLeftCell="${letters[nameColumn]}${TITLE_ROWS + HEADER_ROWS + 1}" activePane="bottomRight" state="frozen"/>` +
      '<selection pane="bottomRight"/></sheetView></sheetViews>' +
      `<sheetFormatPr defaultRowHeight="15"/><cols>${widths.join('')}</cols><sheetData>`;
    const tail =
      `</sheetData><mergeCells count="${merges.length}">${merges.map((ref) => `<mergeCell ref="${ref}"/>`).join('')}</mergeCells>` +
      '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>' +
      '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/></worksheet>';
    return { name, xml: Buffer.concat([Buffer.from(head), ...rows.done(), Buffer.from(tail)]) };
  });
  return zipEntries(
    [
      { name: '[Content_Types].xml', data: contentTypes(sheets.length) },
      {
        name: '_rels/.rels',
        data:
          `${XML_DECLARATION}<Relationships xmlns="${PACKAGE_RELATIONSHIPS_NS}">` +
          `<Relationship Id="rId1" Type="${RELATIONSHIPS_NS}/officeDocument" Target="xl/workbook.xml"/>` +
          `<Relationship Id="rId2" Type="${PACKAGE_RELATIONSHIPS_NS}/metadata/core-properties" Target="docProps/core.xml"/></Relationships>`,
      },
      {
        name: 'docProps/core.xml',
        data:
          `${XML_DECLARATION}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"` +
          ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"' +
          ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>TIP</dc:creator>' +
          `<dcterms:created xsi:type="dcterms:W3CDTF">${new Date().toISOString().slice(0, 19)}Z</dcterms:created></cp:coreProperties>`,
      },
      {
        name: 'xl/workbook.xml',
        data:
          `${XML_DECLARATION}<workbook xmlns="${SPREADSHEET_NS}" xmlns:r="${RELATIONSHIPS_NS}"><sheets>` +
          sheets
            .map(({ name }, i) => `<sheet name="${xmlText(name)}" sheetId="${i + 1}" r:id="rId${i + 2}"/>`)
            .join('') +
          '</sheets><definedNames>' +
          sheets
            .map(
              ({ name }, i) =>
                `<definedName name="_xlnm.Print_Titles" localSheetId="${i}">${xmlText(`'${name.replaceAll("'", "''")}'`)}` +
                `!$${TITLE_ROWS + 1}:$${TITLE_ROWS + HEADER_ROWS}</definedName>`,
            )
            .join('') +
          '</definedNames></workbook>',
      },
      {
        name: 'xl/_rels/workbook.xml.rels',
        data:
          `${XML_DECLARATION}<Relationships xmlns="${PACKAGE_RELATIONSHIPS_NS}">` +
          `<Relationship Id="rId1" Type="${RELATIONSHIPS_NS}/styles" Target="styles.xml"/>` +
          sheets
            .map(
              (_, i) =>
                `<Relationship Id="rId${i + 2}" Type="${RELATIONSHIPS_NS}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`,
            )
            .join('') +
          '</Relationships>',
      },
      { name: 'xl/styles.xml', data: styles.xml() },
      ...sheets.map(({ xml }, i) => ({ name: `xl/worksheets/sheet${i + 1}.xml`, data: xml })),
    ],
    new Date(notice.asOf),
  );
}

/**
 * Text collected as UTF-8 bytes a piece at a time: a province's sheet is some 17 MB of XML, which
 * as one string (its rows kept until joined) lived long enough to cost more in garbage collection
 * than in writing; pieces of 64 K characters die young. The CSV and HTML are written so too.
 */
class Utf8Chunks {
  private pending = '';
  private readonly chunks: Buffer[] = [];

  push(text: string): void {
    this.pending += text;
    if (this.pending.length >= 65_536) this.flush();
  }

  done(): Buffer[] {
    this.flush();
    return this.chunks;
  }

  /** All of it as one string, made at once. */
  text(): string {
    return Buffer.concat(this.done()).toString('utf8');
  }

  private flush(): void {
    if (this.pending) this.chunks.push(Buffer.from(this.pending, 'utf8'));
    this.pending = '';
  }
}

function contentTypes(sheets: number): string {
  const type = (part: string) => `application/vnd.openxmlformats-officedocument.${part}`;
  return (
    `${XML_DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
    '<Default Extension="xml" ContentType="application/xml"/>' +
    `<Override PartName="/xl/workbook.xml" ContentType="${type('spreadsheetml.sheet.main+xml')}"/>` +
    Array.from(
      { length: sheets },
      (_, i) =>
        `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="${type('spreadsheetml.worksheet+xml')}"/>`,
    ).join('') +
    `<Override PartName="/xl/styles.xml" ContentType="${type('spreadsheetml.styles+xml')}"/>` +
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>'
  );
}

/** Two header rows: a figure's label spans its 本周/上周/变化; the other columns span both rows. */
function headerRows(columns: readonly Column[], letters: readonly string[], merges: string[]): string[] {
  const [top, bottom] = [TITLE_ROWS + 1, TITLE_ROWS + 2];
  const cell = (r: number, i: number, text: string | null) =>
    text === null
      ? `<c r="${letters[i]}${r}" s="${XlsxStyles.HEADER}"/>`
      : `<c r="${letters[i]}${r}" s="${XlsxStyles.HEADER}" t="str"><v>${xmlText(text)}</v></c>`;
  const upper = columns.map((c, i) =>
    cell(top, i, !c.group ? c.label : columns[i - 1]?.group !== c.group ? c.group : null),
  );
  const lower = columns.map((c, i) => cell(bottom, i, c.group ? c.label : null));
  columns.forEach((c, i) => {
    if (!c.group) merges.push(`${letters[i]}${top}:${letters[i]}${bottom}`);
    else if (columns[i - 1]?.group !== c.group) merges.push(`${letters[i]}${top}:${letters[i + 2]}${top}`);
  });
  return [`<row r="${top}">${upper.join('')}</row>`, `<row r="${bottom}">${lower.join('')}</row>`];
}

// ── HTML ───────────────────────────────────────────────────────────────────────────────────

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const HTML_SPECIAL = /[&<>"']/;
const escapeHtml = (text: string): string =>
  HTML_SPECIAL.test(text) ? text.replace(/[&<>"']/g, (ch) => ENTITIES[ch] ?? ch) : text;

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

/** A level's table, written to `out`. */
function htmlTable(
  out: Utf8Chunks,
  notice: WeeklyNotice,
  level: NoticeLevel,
  columns: readonly Column[],
  alert: (row: NoticeRow) => boolean = () => false,
): void {
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
      ? (row: NoticeRow) => open + escapeHtml(display(c.value(row, notice))) + '</td>'
      : (row: NoticeRow) => open + display(c.value(row, notice)) + '</td>';
  });
  // Concatenated cell by cell: no array of cells or classes a row (a province's notice has 13,000 rows a table).
  out.push(`<table><colgroup>${colgroup}</colgroup>${head}<tbody>`);
  for (const [index, row] of level.rows.entries()) {
    const [behind, alerted] = [row.behind, alert(row)];
    const classes = behind && alerted ? 'behind pilot-alert' : behind ? 'behind' : alerted ? 'pilot-alert' : '';
    let line = (index ? '\n' : '') + '<tr data-unit-id="' + escapeHtml(row.unitId);
    line += classes ? '" class="' + classes + '">' : '">';
    for (let cell = 0; cell < shown.length; cell++) line += shown[cell](row);
    out.push(line + '</tr>');
  }
  out.push('</tbody></table>');
}

export function renderNoticeHtml(notice: WeeklyNotice): string {
  const columns = columnsOf(notice);
  const part = (n: 1 | 2 | 3) => columns.filter((c) => c.part === n || c.part === 'both');
  const title = escapeHtml(notice.heading.title);
  const { issuingOffice, documentNumber, issuedOn } = notice.heading;
  // Written as it goes, line after line: a province's rows as one string lived long enough to cost in garbage collection.
  const out = new Utf8Chunks();
  out.push(
    [
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
      '',
    ].join('\n'),
  );
  for (const [index, level] of sections(notice).entries()) {
    const heading = index === 0 ? `${notice.unit.name}（合计）` : KIND_LABELS[level.kind];
    out.push(
      `${index ? '\n' : ''}<section data-kind="${level.kind}"><h2>${CHINESE_ORDINALS[index] ?? index + 1}、${escapeHtml(heading)}</h2>\n` +
        `<h3>（一）${COLUMN_LABELS.counts}</h3>\n`,
    );
    htmlTable(out, notice, level, part(1));
    out.push(`\n<h3>（二）${COLUMN_LABELS.rates}</h3>\n`);
    htmlTable(out, notice, level, part(2));
    if (notice.pilotSchools) {
      out.push(`\n<h3>（三）${COLUMN_LABELS.pilots}</h3>\n`);
      htmlTable(out, notice, level, part(3), pilotAlert);
    }
    out.push('\n</section>');
  }
  out.push(
    [
      '',
      ...(notice.source ? [`<p class="source">${escapeHtml(sourceLine(notice) ?? '')}</p>`] : []),
      `<footer><div>${escapeHtml(issuingOffice)}</div><div>${escapeHtml(chineseDate(issuedOn))}</div></footer>`,
      '</body></html>',
      '',
    ].join('\n'),
  );
  return out.text();
}
