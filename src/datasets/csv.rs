//! Comma-separated values with a header row, as R's `write.csv` and pandas write them.
//!
//! Supported: a header naming every column; fields separated by commas; fields in double
//! quotes (which may hold commas, and `""` for a quote); `\n` or `\r\n` line ends; a UTF-8
//! byte-order mark; blank lines (skipped). Not supported: line breaks inside quotes. Every
//! error names the file, the 1-based line and the 1-based column (field number).

use super::Dataset;
use crate::error::{Error, Location, Result};
use crate::linalg::Matrix;

/// A parsed CSV file: the header and the raw text cells, with each row's line number.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub file: String,
    pub header: Vec<String>,
    rows: Vec<Vec<String>>,
    lines: Vec<usize>,
}

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

impl Table {
    /// Parses CSV text; `file` names it in error messages.
    pub fn parse(text: &str, file: &str) -> Result<Table> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l)))
            .filter(|(_, l)| !l.trim().is_empty());
        let Some((header_line, header)) = lines.next() else {
            return Err(Error::parse(
                file,
                Location::File,
                "empty file: expected a header row",
            ));
        };
        let header: Vec<String> = split_line(header, file, header_line)?
            .into_iter()
            .map(|h| h.trim().to_string())
            .collect();
        for (j, name) in header.iter().enumerate() {
            if name.is_empty() && header.len() > 1 && j > 0 {
                return Err(Error::parse(
                    file,
                    Location::LineColumn {
                        line: header_line,
                        column: j + 1,
                    },
                    "empty column name in the header",
                ));
            }
            if header[..j].contains(name) {
                return Err(Error::parse(
                    file,
                    Location::LineColumn {
                        line: header_line,
                        column: j + 1,
                    },
                    format!("column name `{name}` appears twice in the header"),
                ));
            }
        }
        let mut table = Table {
            file: file.to_string(),
            header,
            rows: Vec::new(),
            lines: Vec::new(),
        };
        for (line_no, line) in lines {
            let fields = split_line(line, file, line_no)?;
            if fields.len() != table.header.len() {
                return Err(Error::parse(
                    file,
                    Location::LineColumn {
                        line: line_no,
                        column: fields.len().min(table.header.len()) + 1,
                    },
                    format!(
                        "expected {} fields like the header, found {}",
                        table.header.len(),
                        fields.len()
                    ),
                ));
            }
            table.rows.push(fields);
            table.lines.push(line_no);
        }
        if table.rows.is_empty() {
            return Err(Error::parse(
                file,
                Location::File,
                "no data rows after the header",
            ));
        }
        Ok(table)
    }

    /// Number of data rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The index of column `name`, or an error listing the columns there are.
    pub fn column_index(&self, name: &str) -> Result<usize> {
        self.header.iter().position(|h| h == name).ok_or_else(|| {
            Error::invalid(
                "column",
                name,
                format!(
                    "{} has no such column; its columns are: {}",
                    self.file,
                    self.header.join(", ")
                ),
            )
        })
    }

    /// Column `name`'s cells as text.
    pub fn text(&self, name: &str) -> Result<Vec<String>> {
        let j = self.column_index(name)?;
        Ok(self.rows.iter().map(|r| r[j].trim().to_string()).collect())
    }

    // ANCHOR: numeric
    /// The named columns as a numeric matrix (rows are samples). A cell that is not a finite
    /// number is an error naming its line and column.
    pub fn numeric(&self, names: &[&str]) -> Result<Matrix<f64>> {
        let cols: Vec<usize> = names
            .iter()
            .map(|n| self.column_index(n))
            .collect::<Result<_>>()?;
        let mut data = Vec::with_capacity(self.rows.len() * cols.len());
        for (row, &line) in self.rows.iter().zip(&self.lines) {
            for &j in &cols {
                let cell = row[j].trim();
                match cell.parse::<f64>() {
                    Ok(v) if v.is_finite() => data.push(v),
                    _ => {
                        return Err(Error::parse(
                            &self.file,
                            Location::LineColumn {
                                line,
                                column: j + 1,
                            },
                            format!(
                                "`{cell}` in column `{}` is not a finite number",
                                self.header[j]
                            ),
                        ))
                    }
                }
            }
        }
        Matrix::new(self.rows.len(), cols.len(), data)
    }
    // ANCHOR_END: numeric

    /// Column `name` as class labels `0..c` and the class names. Classes are ordered
    /// numerically when every value is an integer (digits 0–9 keep their meaning), else
    /// alphabetically.
    pub fn labels(&self, name: &str) -> Result<(Vec<usize>, Vec<String>)> {
        let values = self.text(name)?;
        let mut classes: Vec<String> = values.clone();
        if classes.iter().all(|v| v.parse::<i64>().is_ok()) {
            classes.sort_by_key(|v| v.parse::<i64>().unwrap_or(0));
        } else {
            classes.sort();
        }
        classes.dedup();
        let labels = values
            .iter()
            .map(|v| classes.iter().position(|c| c == v).unwrap_or(0))
            .collect();
        Ok((labels, classes))
    }
}

/// Which columns of a CSV file make a [`Dataset`].
#[derive(Clone, Debug, Default)]
pub struct CsvSpec<'a> {
    /// Feature columns; `None` takes every column that is not the label or the row names.
    pub features: Option<&'a [&'a str]>,
    /// A column of class labels.
    pub label: Option<&'a str>,
    /// A text column kept as row names (USArrests' `State`).
    pub row_names: Option<&'a str>,
}

// ANCHOR: dataset_from_csv
/// Reads CSV text into a [`Dataset`] named `name`, taking the columns `spec` names.
pub fn dataset_from_csv(text: &str, file: &str, name: &str, spec: &CsvSpec<'_>) -> Result<Dataset> {
    let table = Table::parse(text, file)?;
    let features: Vec<&str> = match spec.features {
        Some(f) => f.to_vec(),
        None => table
            .header
            .iter()
            .map(String::as_str)
            .filter(|h| Some(*h) != spec.label && Some(*h) != spec.row_names)
            .collect(),
    };
    if features.is_empty() {
        return Err(Error::invalid(
            "features",
            "[]",
            format!("{file}: no feature columns left to read"),
        ));
    }
    let x = table.numeric(&features)?;
    let (labels, class_names) = match spec.label {
        Some(l) => {
            let (labels, classes) = table.labels(l)?;
            (Some(labels), classes)
        }
        None => (None, Vec::new()),
    };
    let row_names = spec.row_names.map(|r| table.text(r)).transpose()?;
    Ok(Dataset {
        name: name.to_string(),
        x,
        feature_names: features.iter().map(|s| s.to_string()).collect(),
        labels,
        class_names,
        row_names,
    })
}
// ANCHOR_END: dataset_from_csv
