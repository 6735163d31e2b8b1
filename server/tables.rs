//! Reading uploaded tables (CSV or XLSX) and writing CSV downloads.
//!
//! [`read_table`] decides the format by content, not by file name: an XLSX file is a ZIP archive
//! (`PK\x03\x04`) containing `xl/workbook.xml`; anything else that is text is CSV. CSV may be UTF-8
//! (with or without BOM), GBK/GB18030 (what Excel in China saves) or UTF-16 with BOM (Excel's
//! "Unicode text", tab-separated). Of an XLSX file the first worksheet is read, cells rendered as
//! text. The first non-blank row is the header row; blank rows are skipped; every data row is
//! padded or cut to the header's width and keeps its spreadsheet row number for error reports.
//! [`write_csv`] writes UTF-8 with BOM and CRLF line ends, which Excel opens correctly.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Cursor;

use calamine::{DataRef, ExcelDateTime, Reader, Xlsx};

/// The most data rows (header not counted) a table may have.
pub const MAX_ROWS: usize = 10_000;
/// The most columns a table may have.
pub const MAX_COLUMNS: usize = 60;
/// The most bytes the parts of an XLSX archive may unpack to (a guard against ZIP bombs): both what
/// the ZIP directory declares and what really comes out of decompression are held to it.
pub const MAX_XLSX_UNPACKED: u64 = 20 * 1024 * 1024;

/// A table read from an upload.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Table {
    /// The header row, trimmed, without trailing empty cells.
    pub headers: Vec<String>,
    /// Data rows, each exactly `headers.len()` cells long (padded with "" or cut).
    pub rows: Vec<Vec<String>>,
    /// For each data row, its 1-based row number in the spreadsheet (the header row is normally 1).
    pub row_numbers: Vec<usize>,
}

impl Table {
    /// Index of the column whose header is `name` (exact match after trimming).
    pub fn column(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name.trim())
    }
}

/// Why an upload could not be read as a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableError {
    /// The file has no content.
    Empty,
    /// Neither CSV text nor an XLSX workbook (a picture, a PDF, a Word file …).
    NotTable,
    /// An old binary Excel workbook (.xls) or a password-protected workbook.
    LegacyExcel,
    /// Text in neither UTF-8, GB18030/GBK nor UTF-16.
    Encoding,
    /// A quoted CSV field opened on this line (1-based) is never closed.
    MalformedCsv { line: usize },
    /// The XLSX workbook could not be read; the detail comes from the reader.
    UnreadableXlsx(String),
    /// The XLSX archive would unpack to more than [`MAX_XLSX_UNPACKED`] bytes.
    XlsxTooLarge,
    /// No row has any content.
    NoHeader,
    /// More than [`MAX_ROWS`] data rows.
    TooManyRows { max: usize },
    /// More than [`MAX_COLUMNS`] columns in the header row.
    TooManyColumns { max: usize, found: usize },
}

impl TableError {
    /// The problem in Chinese.
    pub fn message_zh(&self) -> String {
        match self {
            TableError::Empty => "文件是空的".to_string(),
            TableError::NotTable => "无法识别的文件：请上传CSV或Excel（.xlsx）文件".to_string(),
            TableError::LegacyExcel => {
                "这是旧版Excel（.xls）或设置了密码的工作簿，请在Excel中另存为.xlsx或CSV后再上传".to_string()
            }
            TableError::Encoding => "无法识别文件的文字编码，请保存为UTF-8或GBK编码的CSV".to_string(),
            TableError::MalformedCsv { line } => {
                format!("CSV格式错误：第{line}行开始的引号没有闭合")
            }
            TableError::UnreadableXlsx(detail) => {
                format!("无法读取该Excel文件，文件可能已损坏（{detail}）")
            }
            TableError::XlsxTooLarge => format!(
                "Excel文件解压后过大（超过{} MB），请删除无关的工作表或内容后再上传",
                MAX_XLSX_UNPACKED / (1024 * 1024)
            ),
            TableError::NoHeader => "表格中没有内容：第一行应为列标题".to_string(),
            TableError::TooManyRows { max } => format!("数据行过多：一次最多导入{max}行，请分批上传"),
            TableError::TooManyColumns { max, found } => {
                format!("列数过多：最多{max}列，标题行有{found}列以上")
            }
        }
    }

    /// The problem in English.
    pub fn message_en(&self) -> String {
        match self {
            TableError::Empty => "The file is empty".to_string(),
            TableError::NotTable => "Unrecognised file: upload a CSV or Excel (.xlsx) file".to_string(),
            TableError::LegacyExcel => {
                "This is an old Excel (.xls) or password-protected workbook: save it as .xlsx or CSV in Excel and upload that"
                    .to_string()
            }
            TableError::Encoding => {
                "The text encoding of the file is not recognised: save the CSV as UTF-8 or GBK".to_string()
            }
            TableError::MalformedCsv { line } => {
                format!("Malformed CSV: the quote opened on line {line} is never closed")
            }
            TableError::UnreadableXlsx(detail) => {
                format!("The Excel file cannot be read; it may be damaged ({detail})")
            }
            TableError::XlsxTooLarge => format!(
                "The Excel file unpacks to too much data (more than {} MB): remove unrelated sheets or content and upload again",
                MAX_XLSX_UNPACKED / (1024 * 1024)
            ),
            TableError::NoHeader => "The table has no content: the first row must hold the column headers".to_string(),
            TableError::TooManyRows { max } => {
                format!("Too many rows: at most {max} data rows at a time; split the file")
            }
            TableError::TooManyColumns { max, found } => {
                format!("Too many columns: at most {max}, the header row has {found} or more")
            }
        }
    }
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message_en())
    }
}

impl std::error::Error for TableError {}

/// Reads an uploaded CSV or XLSX file. `filename` only hints at the delimiter (`.tsv` is
/// tab-separated); the format is decided by content.
pub fn read_table(bytes: &[u8], filename: &str) -> Result<Table, TableError> {
    if bytes.is_empty() {
        return Err(TableError::Empty);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return match zip_check(bytes)? {
            ZipKind::Xlsx => read_xlsx(bytes),
            ZipKind::Other => Err(TableError::NotTable),
        };
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Err(TableError::LegacyExcel);
    }
    let text = decode(bytes)?;
    if text
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .is_empty()
    {
        return Err(TableError::Empty);
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}' | '\u{1a}'))
    {
        return Err(TableError::NotTable);
    }
    let lower = filename.to_ascii_lowercase();
    let first_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let delimiter = if lower.ends_with(".tsv") || (first_line.contains('\t') && !first_line.contains(',')) {
        b'\t'
    } else {
        b','
    };
    read_csv(&text, delimiter)
}

/// Decodes CSV bytes: UTF-16 with BOM, UTF-8 (BOM stripped), otherwise GB18030 (a superset of GBK).
fn decode(bytes: &[u8]) -> Result<String, TableError> {
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return decode_with(encoding_rs::UTF_16LE, rest);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return decode_with(encoding_rs::UTF_16BE, rest);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .map(str::to_string)
            .map_err(|_| TableError::Encoding);
    }
    if bytes.contains(&0) {
        return Err(TableError::NotTable);
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(_) => decode_with(encoding_rs::GB18030, bytes),
    }
}

fn decode_with(encoding: &'static encoding_rs::Encoding, bytes: &[u8]) -> Result<String, TableError> {
    encoding
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|s| s.into_owned())
        .ok_or(TableError::Encoding)
}

/// Splits CSV text into records as a spreadsheet shows them: one record per row, blank lines
/// included (as one empty field), so that a record's index + 1 is its row number. Fields may be
/// quoted with `"` (a doubled `""` inside is one quote) and then hold delimiters and line breaks;
/// a quote that is not at the start of a field is an ordinary character, and so is text after a
/// closing quote. Rows end at LF, CRLF or a lone CR. Stops after `limit` records.
fn parse_csv(text: &str, delimiter: char, limit: usize) -> Result<Vec<Vec<String>>, TableError> {
    let mut records = Vec::new();
    let mut record: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut line = 1usize;
    let mut opened_on = 0usize;
    let mut in_quotes = false;
    let mut field_start = true;
    // Whether anything of the current record has been read (so a final newline adds no record).
    let mut pending = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                _ => {
                    if c == '\n' || (c == '\r' && chars.peek() != Some(&'\n')) {
                        line += 1;
                    }
                    field.push(c);
                }
            }
            continue;
        }
        match c {
            '"' if field_start => {
                in_quotes = true;
                opened_on = line;
                field_start = false;
                pending = true;
            }
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                line += 1;
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                if records.len() >= limit {
                    return Ok(records);
                }
                field_start = true;
                pending = false;
            }
            d if d == delimiter => {
                record.push(std::mem::take(&mut field));
                field_start = true;
                pending = true;
            }
            _ => {
                field.push(c);
                field_start = false;
                pending = true;
            }
        }
    }
    if in_quotes {
        return Err(TableError::MalformedCsv { line: opened_on });
    }
    if pending {
        record.push(field);
        records.push(record);
    }
    Ok(records)
}

fn is_blank(cells: &[String]) -> bool {
    cells.iter().all(|c| c.trim().is_empty())
}

/// Header cells trimmed, trailing empty ones dropped; checks the width.
fn header_row(cells: Vec<String>) -> Result<Vec<String>, TableError> {
    let mut headers: Vec<String> = cells
        .into_iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    while headers.last().is_some_and(|h| h.is_empty()) {
        headers.pop();
    }
    if headers.len() > MAX_COLUMNS {
        return Err(TableError::TooManyColumns {
            max: MAX_COLUMNS,
            found: headers.len(),
        });
    }
    Ok(headers)
}

fn fit(mut row: Vec<String>, width: usize) -> Vec<String> {
    row.resize(width, String::new());
    row
}

fn read_csv(text: &str, delimiter: u8) -> Result<Table, TableError> {
    // Enough records for any blank rows, the header and one data row too many; a file with more
    // blank rows than that is cut short and reported as too long.
    let limit = MAX_ROWS.saturating_mul(4).saturating_add(100);
    let records = parse_csv(text, char::from(delimiter), limit)?;
    let cut_short = records.len() >= limit;
    let mut table = Table::default();
    let mut have_header = false;
    for (i, cells) in records.into_iter().enumerate() {
        if is_blank(&cells) {
            continue;
        }
        if !have_header {
            table.headers = header_row(cells)?;
            have_header = true;
            continue;
        }
        if table.rows.len() >= MAX_ROWS {
            return Err(TableError::TooManyRows { max: MAX_ROWS });
        }
        table.rows.push(fit(cells, table.headers.len()));
        table.row_numbers.push(i + 1);
    }
    if cut_short {
        return Err(TableError::TooManyRows { max: MAX_ROWS });
    }
    if !have_header {
        return Err(TableError::NoHeader);
    }
    Ok(table)
}

enum ZipKind {
    Xlsx,
    Other,
}

fn u16_at(b: &[u8], at: usize) -> Option<usize> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(usize::from(u16::from_le_bytes([s[0], s[1]])))
}

fn u32_at(b: &[u8], at: usize) -> Option<u64> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u64::from(u32::from_le_bytes([s[0], s[1], s[2], s[3]])))
}

/// Reads the ZIP central directory: is there an `xl/workbook.xml`, and do the parts claim to
/// unpack to a reasonable size?
fn zip_check(bytes: &[u8]) -> Result<ZipKind, TableError> {
    let damaged = || TableError::UnreadableXlsx("ZIP directory damaged".to_string());
    // End of central directory: 22 bytes plus a comment of at most 65,535 bytes, at the end.
    let lowest = bytes.len().saturating_sub(22 + 65_535);
    let eocd = (lowest..=bytes.len().saturating_sub(22))
        .rev()
        .find(|&i| bytes.get(i..i + 4) == Some(b"PK\x05\x06"))
        .ok_or_else(damaged)?;
    let entries = u16_at(bytes, eocd + 10).ok_or_else(damaged)?;
    let mut at = usize::try_from(u32_at(bytes, eocd + 16).ok_or_else(damaged)?).map_err(|_| damaged())?;
    let mut workbook = false;
    let mut unpacked: u64 = 0;
    for _ in 0..entries {
        if bytes.get(at..at + 4) != Some(b"PK\x01\x02") {
            return Err(damaged());
        }
        let size = u32_at(bytes, at + 24).ok_or_else(damaged)?;
        let name_len = u16_at(bytes, at + 28).ok_or_else(damaged)?;
        let extra_len = u16_at(bytes, at + 30).ok_or_else(damaged)?;
        let comment_len = u16_at(bytes, at + 32).ok_or_else(damaged)?;
        let name = bytes.get(at + 46..at + 46 + name_len).ok_or_else(damaged)?;
        if name == b"xl/workbook.xml" {
            workbook = true;
        }
        // 0xFFFFFFFF means the real size is in a ZIP64 field: far beyond any table here.
        unpacked = unpacked.saturating_add(size);
        if unpacked > MAX_XLSX_UNPACKED {
            return Err(TableError::XlsxTooLarge);
        }
        at += 46 + name_len + extra_len + comment_len;
    }
    Ok(if workbook { ZipKind::Xlsx } else { ZipKind::Other })
}

fn read_xlsx(bytes: &[u8]) -> Result<Table, TableError> {
    // The reader is third-party code fed untrusted bytes: a panic in it must not escape.
    std::panic::catch_unwind(|| read_xlsx_inner(bytes))
        .unwrap_or_else(|_| Err(TableError::UnreadableXlsx("internal reader error".to_string())))
}

/// Decompresses every part of the archive into nothing, counting what really comes out: the sizes
/// in the ZIP directory are written by whoever made the file and may lie. Stops as soon as the
/// total passes [`MAX_XLSX_UNPACKED`], so a bomb costs at most that much decompression.
fn inflated_size_check(bytes: &[u8]) -> Result<(), TableError> {
    use std::io::Read;
    let unreadable = |e: zip::result::ZipError| TableError::UnreadableXlsx(e.to_string());
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
    let mut left = MAX_XLSX_UNPACKED;
    for i in 0..archive.len() {
        let entry = archive.by_index(i).map_err(unreadable)?;
        if entry.is_dir() {
            continue;
        }
        // The reader itself refuses to inflate past the declared size: a part that tries to is
        // a bomb whose directory lies, and is refused as one.
        let read = std::io::copy(&mut entry.take(left + 1), &mut std::io::sink()).map_err(|e| {
            let text = e.to_string();
            if text.contains("declared uncompressed size") {
                TableError::XlsxTooLarge
            } else {
                TableError::UnreadableXlsx(text)
            }
        })?;
        if read > left {
            return Err(TableError::XlsxTooLarge);
        }
        left -= read;
    }
    Ok(())
}

fn read_xlsx_inner(bytes: &[u8]) -> Result<Table, TableError> {
    inflated_size_check(bytes)?;
    let unreadable = |e: calamine::XlsxError| TableError::UnreadableXlsx(e.to_string());
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let Some(sheet) = workbook.sheet_names().first().cloned() else {
        return Err(TableError::NoHeader);
    };
    let mut cells = workbook.worksheet_cells_reader(&sheet).map_err(unreadable)?;
    // Non-blank rows by 0-based row index: (0-based column, text). Columns past MAX_COLUMNS are
    // not kept, except one to tell that the header is too wide.
    let mut rows: BTreeMap<u32, Vec<(usize, String)>> = BTreeMap::new();
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let (r, c) = cell.get_position();
        let Ok(c) = usize::try_from(c) else { continue };
        if c > MAX_COLUMNS {
            continue;
        }
        let text = render(cell.get_value());
        if text.trim().is_empty() {
            continue;
        }
        if !rows.contains_key(&r) && rows.len() > MAX_ROWS {
            return Err(TableError::TooManyRows { max: MAX_ROWS });
        }
        rows.entry(r).or_default().push((c, text));
    }
    let mut rows = rows.into_iter();
    let Some((_, header_cells)) = rows.next() else {
        return Err(TableError::NoHeader);
    };
    // Columns left of the header's first cell have no header: the table starts there.
    let first = header_cells.iter().map(|(c, _)| *c).min().unwrap_or(0);
    let spread = |cells: Vec<(usize, String)>, width: usize| {
        let mut row = vec![String::new(); width];
        for (c, text) in cells {
            if let Some(slot) = c.checked_sub(first).and_then(|i| row.get_mut(i)) {
                *slot = text;
            }
        }
        row
    };
    let width = header_cells.iter().map(|(c, _)| c - first + 1).max().unwrap_or(0);
    let headers = header_row(spread(header_cells, width))?;
    let mut table = Table {
        headers,
        ..Table::default()
    };
    for (r, cells) in rows {
        let row = spread(cells, table.headers.len());
        if is_blank(&row) {
            continue;
        }
        table.rows.push(row);
        table
            .row_numbers
            .push(usize::try_from(r).unwrap_or(usize::MAX).saturating_add(1));
    }
    Ok(table)
}

/// A cell as text: integral numbers without ".0", other numbers as Excel shows them (15
/// significant digits), dates as YYYY-MM-DD (with the time if it has one).
fn render(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => render_number(*f),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_string(),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        DataRef::DateTime(d) => render_datetime(d),
        DataRef::DateTimeIso(s) => s.strip_suffix("T00:00:00").unwrap_or(s).replacen('T', " ", 1),
        DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => e.to_string(),
        DataRef::Empty => String::new(),
    }
}

fn render_number(f: f64) -> String {
    if !f.is_finite() {
        return String::new();
    }
    // Excel shows 15 significant digits: 0.1+0.2 is shown as 0.3, not 0.30000000000000004.
    let shown: f64 = format!("{f:.14e}").parse().unwrap_or(f);
    if shown.fract() == 0.0 && shown.abs() < 1e15 {
        format!("{}", shown as i64)
    } else {
        format!("{shown}")
    }
}

fn render_datetime(d: &ExcelDateTime) -> String {
    let value = d.as_f64();
    if !value.is_finite() {
        return String::new();
    }
    if d.is_duration() {
        let seconds = (value * 86_400.0).round().clamp(-1e12, 1e12) as i64;
        let sign = if seconds < 0 { "-" } else { "" };
        let s = seconds.unsigned_abs();
        return format!("{sign}{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
    }
    let (year, month, day, hour, minute, second, _) = d.to_ymd_hms_milli();
    let time = format!("{hour:02}:{minute:02}:{second:02}");
    if (0.0..1.0).contains(&value) {
        time
    } else if (hour, minute, second) == (0, 0, 0) {
        format!("{year:04}-{month:02}-{day:02}")
    } else {
        format!("{year:04}-{month:02}-{day:02} {time}")
    }
}

/// One text field of a CSV file: quoted when it holds a comma, quote, line break or edge spaces. A
/// text a spreadsheet could run as a formula — one starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return, whatever follows (`-1+cmd|' /C calc'!A0` runs as surely as `=1+1`) — gets a
/// leading apostrophe, so that it shows as the text it is. Numbers the program writes itself go
/// are written as they are.
fn csv_field(out: &mut String, value: &str) {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        csv_quoted(out, &format!("'{value}"));
    } else {
        csv_quoted(out, value);
    }
}

fn csv_quoted(out: &mut String, value: &str) {
    let quote = value.contains([',', '"', '\n', '\r']) || value.starts_with(' ') || value.ends_with(' ');
    if quote {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

/// Writes a CSV file for download: UTF-8 with BOM (so that Excel reads Chinese correctly), comma
/// separated, CRLF line ends, fields quoted where needed. Text cells (and the headers) that a
/// spreadsheet would run as a formula are neutralised; number cells are written as they are.
pub fn write_csv(headers: &[&str], rows: &[Vec<Cell>]) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    for (i, h) in headers.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        csv_field(&mut out, h);
    }
    out.push_str("\r\n");
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            match cell {
                Cell::Text(t) => csv_field(&mut out, t),
                // A number the program wrote itself (an id, an amount such as `-5.00`): as it is.
                Cell::Number(n) => csv_quoted(&mut out, n),
            }
        }
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// A cell of an exported sheet.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// An exact decimal written as text digits (e.g. yuan with two decimals), stored as a number.
    Number(String),
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' && c != '\r' => {}
            c => out.push(c),
        }
    }
    out
}

fn column_name(mut n: usize) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + (n % 26) as u8);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
}

/// Writes one sheet as an .xlsx workbook (Office Open XML, inline strings), which Excel, WPS and
/// LibreOffice open; the first row is the header.
/// A table as a download: XLSX, or CSV (UTF-8 with a byte order mark, which spreadsheets read).
pub fn download(
    name: &str,
    sheet: &str,
    headers: &[&str],
    rows: Vec<Vec<Cell>>,
    xlsx: bool,
) -> crate::error::AppResult<actix_web::HttpResponse> {
    use actix_web::http::header::CONTENT_DISPOSITION;
    use actix_web::HttpResponse;
    if xlsx {
        let body = write_xlsx(sheet, headers, &rows).map_err(crate::error::AppError::internal)?;
        return Ok(HttpResponse::Ok()
            .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            .insert_header((CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.xlsx\"")))
            .body(body));
    }
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.csv\"")))
        .body(write_csv(headers, &rows)))
}

pub fn write_xlsx(sheet: &str, headers: &[&str], rows: &[Vec<Cell>]) -> Result<Vec<u8>, String> {
    use std::io::Write;
    use zip::write::SimpleFileOptions;
    let mut data = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    let header: Vec<Cell> = headers.iter().map(|h| Cell::Text(h.to_string())).collect();
    for (r, row) in std::iter::once(&header).chain(rows.iter()).enumerate() {
        data.push_str(&format!(r#"<row r="{}">"#, r + 1));
        for (c, cell) in row.iter().enumerate() {
            let at = format!("{}{}", column_name(c), r + 1);
            match cell {
                Cell::Text(t) => data.push_str(&format!(
                    r#"<c r="{at}" t="inlineStr"><is><t xml:space="preserve">{}</t></is></c>"#,
                    xml_escape(t)
                )),
                Cell::Number(n) => data.push_str(&format!(r#"<c r="{at}"><v>{}</v></c>"#, xml_escape(n))),
            }
        }
        data.push_str("</row>");
    }
    data.push_str("</sheetData></worksheet>");
    let files: [(&str, String); 5] = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_string(),
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string(),
        ),
        (
            "xl/workbook.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{}" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
                xml_escape(sheet)
            ),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_string(),
        ),
        ("xl/worksheets/sheet1.xml", data),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, body) in files {
        zip.start_file(name, options).map_err(|e| e.to_string())?;
        zip.write_all(body.as_bytes()).map_err(|e| e.to_string())?;
    }
    Ok(zip.finish().map_err(|e| e.to_string())?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn csv_utf8_with_and_without_bom() {
        let plain = "成果名称,技术成熟度,价格\n盐湖提锂,6,125000.50\n牦牛乳加工,5,80万\n";
        for bytes in [
            plain.as_bytes().to_vec(),
            [b"\xEF\xBB\xBF".as_slice(), plain.as_bytes()].concat(),
        ] {
            let t = read_table(&bytes, "x.csv").unwrap();
            assert_eq!(t.headers, strings(&["成果名称", "技术成熟度", "价格"]));
            assert_eq!(
                t.rows,
                vec![
                    strings(&["盐湖提锂", "6", "125000.50"]),
                    strings(&["牦牛乳加工", "5", "80万"])
                ]
            );
            assert_eq!(t.row_numbers, vec![2, 3]);
            assert_eq!(t.column("价格"), Some(2));
        }
    }

    #[test]
    fn csv_gbk_as_excel_saves_it() {
        let text = "成果名称,联系人\r\n青稞β-葡聚糖提取,张工\r\n枸杞多糖,李老师\r\n";
        let (gbk, _, unmappable) = encoding_rs::GBK.encode(text);
        assert!(!unmappable);
        assert!(std::str::from_utf8(&gbk).is_err());
        let t = read_table(&gbk, "需求.csv").unwrap();
        assert_eq!(t.headers, strings(&["成果名称", "联系人"]));
        assert_eq!(t.rows[0], strings(&["青稞β-葡聚糖提取", "张工"]));
        assert_eq!(t.rows[1], strings(&["枸杞多糖", "李老师"]));
    }

    #[test]
    fn csv_utf16_tab_separated() {
        let text = "名称\t数量\r\n盐湖\t3\r\n";
        let mut bytes = vec![0xFF, 0xFE];
        for u in text.encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let t = read_table(&bytes, "unicode.txt").unwrap();
        assert_eq!(t.headers, strings(&["名称", "数量"]));
        assert_eq!(t.rows, vec![strings(&["盐湖", "3"])]);
        let tsv = read_table("a\tb,c\n1\t2,3\n".as_bytes(), "data.TSV").unwrap();
        assert_eq!(tsv.headers, strings(&["a", "b,c"]));
    }

    #[test]
    fn csv_quotes_blank_lines_and_row_numbers() {
        let text =
            "\n标题,说明,备注\n\n\"甲,乙\",\"第一行\n第二行\",\"他说\"\"好\"\"\"\n,,\n  ,\n丙,丁\n短\n戊,己,庚,多余\n";
        let t = read_table(text.as_bytes(), "x.csv").unwrap();
        assert_eq!(t.headers, strings(&["标题", "说明", "备注"]));
        assert_eq!(
            t.rows,
            vec![
                strings(&["甲,乙", "第一行\n第二行", "他说\"好\""]),
                strings(&["丙", "丁", ""]),
                strings(&["短", "", ""]),
                strings(&["戊", "己", "庚"]),
            ]
        );
        // Spreadsheet rows: 1 blank, 2 header, 3 blank, 4 the quoted row (one row despite its line
        // break), 5 and 6 blank-looking, 7, 8, 9.
        assert_eq!(t.row_numbers, vec![4, 7, 8, 9]);
    }

    #[test]
    fn csv_parser_edge_cases() {
        let rows = |text: &str| parse_csv(text, ',', 100).unwrap();
        assert_eq!(rows("a,b\r\nc,d"), vec![strings(&["a", "b"]), strings(&["c", "d"])]);
        assert_eq!(
            rows("a\rb\r\rc\n"),
            vec![strings(&["a"]), strings(&["b"]), strings(&[""]), strings(&["c"])]
        );
        assert_eq!(rows("a,\n"), vec![strings(&["a", ""])]);
        assert_eq!(rows("5\"x\",y"), vec![strings(&["5\"x\"", "y"])]);
        assert_eq!(rows("\"ab\"cd,e"), vec![strings(&["abcd", "e"])]);
        assert_eq!(rows("\"\",\"\"\"\""), vec![strings(&["", "\""])]);
        assert_eq!(rows("\"a\r\nb\""), vec![strings(&["a\r\nb"])]);
        assert_eq!(rows(""), Vec::<Vec<String>>::new());
        assert_eq!(parse_csv("a\nb\nc\n", ',', 2).unwrap().len(), 2);
        assert_eq!(
            parse_csv("a\r\n\"b\r\nc", ',', 9),
            Err(TableError::MalformedCsv { line: 2 })
        );
    }

    #[test]
    fn csv_header_is_trimmed_and_trailing_empties_dropped() {
        let t = read_table(" a , b ,,\n1,2,3,4\n".as_bytes(), "x.csv").unwrap();
        assert_eq!(t.headers, strings(&["a", "b"]));
        assert_eq!(t.rows, vec![strings(&["1", "2"])]);
        let only_header = read_table("a,b\n".as_bytes(), "x.csv").unwrap();
        assert!(only_header.rows.is_empty() && only_header.row_numbers.is_empty());
    }

    #[test]
    fn errors() {
        assert_eq!(read_table(b"", "x.csv"), Err(TableError::Empty));
        assert_eq!(read_table(b"\xEF\xBB\xBF \r\n", "x.csv"), Err(TableError::Empty));
        assert_eq!(read_table(b",,\n,\n", "x.csv"), Err(TableError::NoHeader));
        assert_eq!(
            read_table("a,b\n1,\"open\n2,3\n".as_bytes(), "x.csv"),
            Err(TableError::MalformedCsv { line: 2 })
        );
        assert_eq!(
            read_table(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "x.csv"),
            Err(TableError::NotTable)
        );
        assert_eq!(
            read_table(b"%PDF-1.7\n\x01\x02\x03", "a.pdf"),
            Err(TableError::NotTable)
        );
        assert_eq!(
            read_table(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0], "old.xls"),
            Err(TableError::LegacyExcel)
        );
        assert_eq!(read_table(b"\xEF\xBB\xBFa\xFF", "x.csv"), Err(TableError::Encoding));
        assert!(matches!(
            read_table(b"PK\x03\x04garbage", "x.xlsx"),
            Err(TableError::UnreadableXlsx(_))
        ));
        let wide = (0..=MAX_COLUMNS).map(|i| format!("c{i}")).collect::<Vec<_>>().join(",");
        assert_eq!(
            read_table(wide.as_bytes(), "x.csv"),
            Err(TableError::TooManyColumns {
                max: MAX_COLUMNS,
                found: MAX_COLUMNS + 1
            })
        );
        let ok_rows = format!("h\n{}", "1\n".repeat(MAX_ROWS));
        assert_eq!(read_table(ok_rows.as_bytes(), "x.csv").unwrap().rows.len(), MAX_ROWS);
        let too_many = format!("{ok_rows}1\n");
        assert_eq!(
            read_table(too_many.as_bytes(), "x.csv"),
            Err(TableError::TooManyRows { max: MAX_ROWS })
        );
        for e in [
            TableError::Empty,
            TableError::NotTable,
            TableError::LegacyExcel,
            TableError::Encoding,
            TableError::MalformedCsv { line: 3 },
            TableError::UnreadableXlsx("x".into()),
            TableError::XlsxTooLarge,
            TableError::NoHeader,
            TableError::TooManyRows { max: 1 },
            TableError::TooManyColumns { max: 1, found: 2 },
        ] {
            assert!(!e.message_zh().is_empty() && !e.message_en().is_empty());
        }
        assert!(TableError::MalformedCsv { line: 3 }.message_zh().contains("第3行"));
    }

    #[test]
    fn xlsx_fixture() {
        let bytes = include_bytes!("../tests/data/achievements-sample.xlsx");
        let t = read_table(bytes, "whatever.bin").unwrap();
        assert_eq!(t.headers.len(), 14);
        assert_eq!(t.headers[0], "成果名称");
        assert_eq!(t.headers[6], "技术成熟度(1-9)");
        assert_eq!(t.rows.len(), 3);
        assert_eq!(t.row_numbers, vec![2, 3, 4]);
        assert!(t.rows.iter().all(|r| r.len() == 14));
        let r = &t.rows[0];
        assert_eq!(r[0], "盐湖卤水吸附法提锂工艺");
        assert_eq!(r[4], "lithium.brine");
        assert_eq!(r[6], "6", "integer without .0");
        assert_eq!(r[9], "125000.5", "decimal");
        assert_eq!(r[11], "2025-03-01", "date");
        assert_eq!(r[12], "2025-03-15");
        assert_eq!(r[13], "invention_patent:201710601862.3:granted");
        assert_eq!(t.rows[1][9], "80万");
        assert_eq!(t.rows[1][11], "2025-04-01");
        // Empty cells come out empty.
        assert_eq!(t.rows[2][9], "");
        assert_eq!(t.rows[2][11], "");
        assert_eq!(t.rows[2][10], "是");
        // The numbers read back through the money parser exactly.
        assert_eq!(crate::money::parse_yuan(&r[9]), Ok(12_500_050));
    }

    #[test]
    fn damaged_xlsx_never_panics() {
        let good = include_bytes!("../tests/data/achievements-sample.xlsx");
        // Truncations and flipped bytes at many places.
        for cut in (0..good.len()).step_by(97) {
            let _ = read_table(&good[..cut], "x.xlsx");
        }
        for at in (30..good.len()).step_by(53) {
            let mut b = good.to_vec();
            b[at] ^= 0x5A;
            let _ = read_table(&b, "x.xlsx");
        }
    }

    #[test]
    fn zip_without_workbook_is_not_a_table() {
        // An empty ZIP archive with one stored file "a.txt" (built by hand).
        let mut zip = Vec::new();
        let name = b"a.txt";
        let local = zip.len();
        zip.extend_from_slice(b"PK\x03\x04");
        zip.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        zip.extend_from_slice(&[0; 12]);
        zip.extend_from_slice(&(name.len() as u16).to_le_bytes());
        zip.extend_from_slice(&[0, 0]);
        zip.extend_from_slice(name);
        let cd = zip.len();
        zip.extend_from_slice(b"PK\x01\x02");
        zip.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        zip.extend_from_slice(&[0; 12]);
        zip.extend_from_slice(&(name.len() as u16).to_le_bytes());
        zip.extend_from_slice(&[0; 12]);
        zip.extend_from_slice(&(local as u32).to_le_bytes());
        zip.extend_from_slice(name);
        let cd_len = zip.len() - cd;
        zip.extend_from_slice(b"PK\x05\x06");
        zip.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]);
        zip.extend_from_slice(&(cd_len as u32).to_le_bytes());
        zip.extend_from_slice(&(cd as u32).to_le_bytes());
        zip.extend_from_slice(&[0, 0]);
        assert_eq!(read_table(&zip, "x.xlsx"), Err(TableError::NotTable));
        // The same archive claiming a huge unpacked size.
        let mut bomb = zip.clone();
        bomb[cd + 24..cd + 28].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(read_table(&bomb, "x.xlsx"), Err(TableError::XlsxTooLarge));
    }

    #[test]
    fn cell_rendering() {
        assert_eq!(render_number(6.0), "6");
        assert_eq!(render_number(-3.0), "-3");
        assert_eq!(render_number(125000.5), "125000.5");
        assert_eq!(render_number(0.1 + 0.2), "0.3");
        assert_eq!(render_number(1e20), "100000000000000000000");
        assert_eq!(render_number(f64::NAN), "");
        let date = ExcelDateTime::new(45717.0, calamine::ExcelDateTimeType::DateTime, false);
        assert_eq!(render_datetime(&date), "2025-03-01");
        let stamp = ExcelDateTime::new(45717.5, calamine::ExcelDateTimeType::DateTime, false);
        assert_eq!(render_datetime(&stamp), "2025-03-01 12:00:00");
        let time = ExcelDateTime::new(0.25, calamine::ExcelDateTimeType::DateTime, false);
        assert_eq!(render_datetime(&time), "06:00:00");
        let span = ExcelDateTime::new(1.5, calamine::ExcelDateTimeType::TimeDelta, false);
        assert_eq!(render_datetime(&span), "36:00:00");
        assert_eq!(
            render(&DataRef::DateTimeIso("2025-03-01T00:00:00".into())),
            "2025-03-01"
        );
        assert_eq!(render(&DataRef::Bool(true)), "TRUE");
        assert_eq!(render(&DataRef::Int(42)), "42");
    }

    #[test]
    fn writes_csv_for_excel() {
        let text = |v: &[&str]| v.iter().map(|s| Cell::Text(s.to_string())).collect::<Vec<_>>();
        let mut rows = vec![
            text(&["盐湖提锂", "1,250.00", "他说\"好\""]),
            text(&["两行\n文字", "=HYPERLINK(\"x\")"]),
            text(&["+86 971 1234567", "@cmd", " 前后空格 "]),
        ];
        rows[1].push(Cell::Number("-5".into()));
        let bytes = write_csv(&["名称", "金额", "备注"], &rows);
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert_eq!(
            text,
            "\u{feff}名称,金额,备注\r\n盐湖提锂,\"1,250.00\",\"他说\"\"好\"\"\"\r\n\"两行\n文字\",\"'=HYPERLINK(\"\"x\"\")\",-5\r\n'+86 971 1234567,'@cmd,\" 前后空格 \"\r\n"
        );
        // And it reads back.
        let t = read_table(&bytes, "out.csv").unwrap();
        assert_eq!(t.headers, strings(&["名称", "金额", "备注"]));
        assert_eq!(t.rows[0], strings(&["盐湖提锂", "1,250.00", "他说\"好\""]));
        assert_eq!(t.rows[1][0], "两行\n文字");
        assert_eq!(t.rows[1][2], "-5");
        assert_eq!(t.row_numbers, vec![2, 3, 4]);
        assert_eq!(write_csv(&["a"], &[]), b"\xEF\xBB\xBFa\r\n".to_vec());
    }

    #[test]
    fn csv_numbers_stay_numbers_and_text_never_runs() {
        let rows = vec![vec![
            Cell::Number("-1350000.00".into()),
            Cell::Text("-1350000.00".into()),
            Cell::Text("-1+cmd|' /C calc'!A0".into()),
            Cell::Number("42".into()),
            Cell::Text("42".into()),
        ]];
        let text = String::from_utf8(write_csv(&["a", "b", "c", "d", "e"], &rows)).unwrap();
        assert_eq!(
            text.lines().nth(1),
            Some("-1350000.00,'-1350000.00,'-1+cmd|' /C calc'!A0,42,42")
        );
    }

    #[test]
    fn csv_text_that_a_spreadsheet_would_run_is_neutralised() {
        let field = |v: &str| {
            let mut out = String::new();
            csv_field(&mut out, v);
            out
        };
        assert_eq!(field("-1+cmd|' /C calc'!A0"), "'-1+cmd|' /C calc'!A0");
        assert_eq!(field("+1+1+1"), "'+1+1+1");
        assert_eq!(field("-5"), "'-5");
        assert_eq!(field("+86 971 1234567"), "'+86 971 1234567");
        assert_eq!(field("=1+1"), "'=1+1");
        assert_eq!(field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(field("\tx"), "'\tx");
        assert_eq!(field("\r=1"), "\"'\r=1\"");
        assert_eq!(field("盐湖-提锂"), "盐湖-提锂");
        assert_eq!(field("1-2"), "1-2");
    }

    #[test]
    fn an_xlsx_export_reads_back_with_its_cells() {
        use calamine::{Data, Reader, Xlsx};
        let rows = vec![
            vec![Cell::Text("盐湖<提锂>&技术".into()), Cell::Number("1350000.00".into())],
            vec![Cell::Text("Second".into()), Cell::Number("0.01".into())],
        ];
        let bytes = write_xlsx("登记合同", &["项目名称", "技术交易额（元）"], &rows).expect("xlsx");
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("open");
        assert_eq!(book.sheet_names(), vec!["登记合同".to_string()]);
        let range = book.worksheet_range("登记合同").expect("sheet");
        assert_eq!(range.get((0, 0)), Some(&Data::String("项目名称".into())));
        assert_eq!(range.get((1, 0)), Some(&Data::String("盐湖<提锂>&技术".into())));
        assert_eq!(range.get((1, 1)), Some(&Data::Float(1_350_000.0)));
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
    }
}
