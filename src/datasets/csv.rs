//! Comma-separated values with a header row, as R's `write.csv` and pandas write them.
//!
//! Supported: a header naming every column; fields separated by commas; fields in double
//! quotes (which may hold commas, and `""` for a quote); `\n` or `\r\n` line ends; a UTF-8
//! byte-order mark; blank lines (skipped); an unnamed first column, which is what pandas'
//! `DataFrame.to_csv` and R's `write.csv` write for the index or row names: it is read as
//! row names, never as a feature. Not supported: line breaks inside quotes. Every error
//! names the file, the 1-based line and the 1-based column (field number), and quotes at
//! most 80 characters of a cell ([`excerpt`]).
//!
//! The reader streams: each line is split and its numbers appended to the matrix, so memory
//! is the matrix plus one line, not the text of the whole file.

use super::Dataset;
use crate::error::{excerpt, Error, Location, Result};
use crate::linalg::Matrix;
use std::collections::HashMap;
use std::io::BufRead;

// ANCHOR: split_line
/// Splits one line into fields, honouring double quotes.
fn split_line(line: &str, file: &str, line_no: usize) -> Result<Vec<String>> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false; // inside "…"
    let mut was_quoted = false; // this field was quoted: only a comma may follow the quote
    while let Some(c) = chars.next() {
        let column = fields.len() + 1;
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => {
                quoted = false;
                was_quoted = true;
            }
            (true, c) => field.push(c),
            (false, ',') => {
                fields.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            (false, '"') if field.is_empty() && !was_quoted => quoted = true,
            (false, c) if was_quoted => {
                return Err(Error::parse(
                    file,
                    Location::LineColumn {
                        line: line_no,
                        column,
                    },
                    format!("unexpected `{c}` after a closing quote"),
                ))
            }
            (false, '"') => {
                return Err(Error::parse(
                    file,
                    Location::LineColumn {
                        line: line_no,
                        column,
                    },
                    "a quote inside an unquoted field (quote the whole field and double the quote)",
                ))
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err(Error::parse(
            file,
            Location::LineColumn {
                line: line_no,
                column: fields.len() + 1,
            },
            "unterminated quoted field",
        ));
    }
    fields.push(field);
    Ok(fields)
}
// ANCHOR_END: split_line

/// Which columns of a CSV file make a [`Dataset`].
#[derive(Clone, Debug, Default)]
pub struct CsvSpec<'a> {
    /// Feature columns; `None` takes every column that is not the label or the row names.
    pub features: Option<&'a [&'a str]>,
    /// A column of class labels.
    pub label: Option<&'a str>,
    /// A text column kept as row names (USArrests' `State`); an unnamed first column is
    /// taken as row names when this is `None`.
    pub row_names: Option<&'a str>,
}

/// The positions of the columns a [`CsvSpec`] picks out of a header.
struct Columns {
    features: Vec<usize>,
    label: Option<usize>,
    row_names: Option<usize>,
}

impl Columns {
    /// Looks every named column up (an unknown one is an error naming the option that asked
    /// for it and listing the columns there are).
    fn choose(header: &[String], spec: &CsvSpec<'_>, file: &str) -> Result<Columns> {
        let find = |option: &'static str, name: &str| {
            header.iter().position(|h| h == name).ok_or_else(|| {
                Error::invalid(
                    option,
                    excerpt(name),
                    format!(
                        "{file} has no such column; its columns are: {}",
                        excerpt(&header.join(", "))
                    ),
                )
            })
        };
        let label = spec.label.map(|l| find("label", l)).transpose()?;
        let row_names = match spec.row_names {
            Some(r) => Some(find("row_names", r)?),
            None if header.len() > 1 && header[0].is_empty() => Some(0),
            None => None,
        };
        let features: Vec<usize> = match spec.features {
            Some(names) => names
                .iter()
                .map(|f| find("features", f))
                .collect::<Result<_>>()?,
            None => (0..header.len())
                .filter(|&j| Some(j) != label && Some(j) != row_names)
                .collect(),
        };
        if features.is_empty() {
            return Err(Error::invalid(
                "features",
                "[]",
                format!("{file}: no feature columns left to read"),
            ));
        }
        Ok(Columns {
            features,
            label,
            row_names,
        })
    }
}

/// The file's lines one at a time, decoded as UTF-8, with 1-based line numbers; blank lines
/// are skipped.
struct Lines<'f, R> {
    reader: R,
    file: &'f str,
    line_no: usize,
    buf: Vec<u8>,
}

impl<R: BufRead> Lines<'_, R> {
    fn next_line(&mut self) -> Result<Option<(usize, String)>> {
        loop {
            self.buf.clear();
            let read = self
                .reader
                .read_until(b'\n', &mut self.buf)
                .map_err(|e| Error::io(self.file, e))?;
            if read == 0 {
                return Ok(None);
            }
            self.line_no += 1;
            let mut bytes = &self.buf[..];
            if self.line_no == 1 {
                bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
            }
            let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
            let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
            let text = decode(bytes, self.file, self.line_no)?;
            if !text.trim().is_empty() {
                return Ok(Some((self.line_no, text.to_string())));
            }
        }
    }
}

/// A line as UTF-8 text, or an error at the line and field where the first bad byte is.
fn decode<'b>(bytes: &'b [u8], file: &str, line: usize) -> Result<&'b str> {
    std::str::from_utf8(bytes).map_err(|e| {
        let good = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default();
        let column =
            split_line(good, file, line).map_or(good.matches(',').count() + 1, |f| f.len());
        Error::parse(
            file,
            Location::LineColumn { line, column },
            format!(
                "byte 0x{:02x} is not UTF-8 text (save the file as UTF-8)",
                bytes[e.valid_up_to()]
            ),
        )
    })
}

/// The header's column names: trimmed, distinct, none empty but an unnamed first column.
fn parse_header(text: &str, file: &str, line: usize) -> Result<Vec<String>> {
    let header: Vec<String> = split_line(text, file, line)?
        .into_iter()
        .map(|h| h.trim().to_string())
        .collect();
    for (j, name) in header.iter().enumerate() {
        let at = Location::LineColumn {
            line,
            column: j + 1,
        };
        if name.is_empty() && header.len() > 1 && j > 0 {
            return Err(Error::parse(file, at, "empty column name in the header"));
        }
        if header[..j].contains(name) {
            return Err(Error::parse(
                file,
                at,
                format!(
                    "column name `{}` appears twice in the header",
                    excerpt(name)
                ),
            ));
        }
    }
    Ok(header)
}

// ANCHOR: numeric
/// One cell as a finite number, or an error naming its line and column.
fn number(cell: &str, column_name: &str, file: &str, line: usize, j: usize) -> Result<f64> {
    let cell = cell.trim();
    match cell.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(Error::parse(
            file,
            Location::LineColumn {
                line,
                column: j + 1,
            },
            format!(
                "`{}` in column `{}` is not a finite number",
                excerpt(cell),
                excerpt(column_name)
            ),
        )),
    }
}

/// Reads CSV from `reader` into a [`Dataset`] named `name`, taking the columns `spec`
/// names; `file` names the source in errors. Rows stream into the matrix one line at a time.
pub fn read_csv(
    reader: impl BufRead,
    file: &str,
    name: &str,
    spec: &CsvSpec<'_>,
) -> Result<Dataset> {
    let mut lines = Lines {
        reader,
        file,
        line_no: 0,
        buf: Vec::new(),
    };
    let Some((header_line, header_text)) = lines.next_line()? else {
        return Err(Error::parse(
            file,
            Location::File,
            "empty file: expected a header row",
        ));
    };
    let header = parse_header(&header_text, file, header_line)?;
    let columns = Columns::choose(&header, spec, file)?;
    let (mut data, mut labels, mut row_names, mut rows) = (Vec::new(), Vec::new(), Vec::new(), 0);
    while let Some((line, text)) = lines.next_line()? {
        let fields = split_line(&text, file, line)?;
        if fields.len() != header.len() {
            return Err(Error::parse(
                file,
                Location::LineColumn {
                    line,
                    column: fields.len().min(header.len()) + 1,
                },
                format!(
                    "expected {} fields like the header, found {}",
                    header.len(),
                    fields.len()
                ),
            ));
        }
        for &j in &columns.features {
            data.push(number(&fields[j], &header[j], file, line, j)?);
        }
        if let Some(j) = columns.label {
            labels.push(fields[j].trim().to_string());
        }
        if let Some(j) = columns.row_names {
            row_names.push(fields[j].trim().to_string());
        }
        rows += 1;
    }
    if rows == 0 {
        return Err(Error::parse(
            file,
            Location::File,
            "no data rows after the header",
        ));
    }
    let x = Matrix::new(rows, columns.features.len(), data)?;
    let (labels, class_names) = match columns.label {
        Some(_) => {
            let (l, c) = classes_of(&labels);
            (Some(l), c)
        }
        None => (None, Vec::new()),
    };
    Ok(Dataset {
        name: name.to_string(),
        x,
        feature_names: columns
            .features
            .iter()
            .map(|&j| header[j].clone())
            .collect(),
        labels,
        class_names,
        row_names: columns.row_names.map(|_| row_names),
    })
}
// ANCHOR_END: numeric

/// Class labels `0..c` and the class names of a label column. Classes are ordered
/// numerically when every value is an integer (digits 0–9 keep their meaning), else
/// alphabetically.
fn classes_of(values: &[String]) -> (Vec<usize>, Vec<String>) {
    let mut classes: Vec<String> = values.to_vec();
    if classes.iter().all(|v| v.parse::<i64>().is_ok()) {
        classes.sort_by_key(|v| v.parse::<i64>().unwrap_or(0));
    } else {
        classes.sort();
    }
    classes.dedup();
    let index: HashMap<&str, usize> = classes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    let labels = values.iter().map(|v| index[v.as_str()]).collect();
    (labels, classes)
}

// ANCHOR: dataset_from_csv
/// Reads CSV text into a [`Dataset`] named `name`, taking the columns `spec` names.
pub fn dataset_from_csv(text: &str, file: &str, name: &str, spec: &CsvSpec<'_>) -> Result<Dataset> {
    read_csv(text.as_bytes(), file, name, spec)
}
// ANCHOR_END: dataset_from_csv
