//! `--json` output: one document per run, written by hand (the crate has no dependencies).

use std::fmt::Write as _;
use unsupervised::Matrix;

/// A JSON value, for `--json` output.
pub enum Json {
    Bool(bool),
    Num(f64),
    Int(i64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(&'static str, Json)>),
}

impl Json {
    fn write(&self, out: &mut String) {
        match self {
            // JSON has no NaN or infinity: they become null.
            // Plain notation where it is short, exponent notation (valid JSON too) elsewhere.
            Json::Num(x) if x.is_finite() => {
                let _ = if *x == 0.0 || (1e-5..1e16).contains(&x.abs()) {
                    write!(out, "{x}")
                } else {
                    write!(out, "{x:e}")
                };
            }
            Json::Num(_) => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Json::Str(s) => {
                out.push('"');
                for c in s.chars() {
                    match c {
                        '"' => out.push_str("\\\""),
                        '\\' => out.push_str("\\\\"),
                        c if (c as u32) < 0x20 => {
                            let _ = write!(out, "\\u{:04x}", c as u32);
                        }
                        c => out.push(c),
                    }
                }
                out.push('"');
            }
            Json::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Json::Obj(fields) => {
                out.push('{');
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    Json::Str((*k).to_string()).write(out);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }
    /// An array of numbers.
    pub fn nums(v: &[f64]) -> Json {
        Json::Arr(v.iter().map(|&x| Json::Num(x)).collect())
    }
    /// An array of whole numbers (labels, indices, counts).
    pub fn ints(v: impl IntoIterator<Item = usize>) -> Json {
        Json::Arr(v.into_iter().map(|i| Json::Int(i as i64)).collect())
    }
    /// A matrix as an array of its rows.
    pub fn rows(m: &Matrix<f64>) -> Json {
        Json::Arr(m.iter_rows().map(Json::nums).collect())
    }
    /// An array of strings.
    pub fn strs(v: &[String]) -> Json {
        Json::Arr(v.iter().map(|s| Json::Str(s.clone())).collect())
    }
    pub fn render(&self) -> String {
        let mut s = String::new();
        self.write(&mut s);
        s
    }
}
