//! The argument parser: each command declares its flags in a [`Command`]; one function
//! ([`parse`]) reads any command's arguments against that declaration, so `--help`, unknown
//! flags, missing and bad values behave the same everywhere. A library error about a
//! parameter is reworded in terms of the flag the user typed ([`in_flag_terms`]).

use crate::Result;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use unsupervised::datasets::{self, Dataset, LoadOptions};
use unsupervised::{Error, Matrix};

// ANCHOR: command
/// A flag a command accepts: `--name VALUE` when `value` names the value, else a switch.
/// `param` is the library parameter it sets, so an error about that parameter can name
/// the flag instead.
pub struct Flag {
    pub name: &'static str,
    pub value: Option<&'static str>,
    pub help: &'static str,
    pub param: Option<&'static str>,
}

impl Flag {
    /// `--name VALUE`; it sets the library parameter of the same name (`--n-init` sets
    /// `n_init`) unless [`Flag::sets`] says otherwise.
    pub const fn value(name: &'static str, value: &'static str, help: &'static str) -> Flag {
        Flag {
            name,
            value: Some(value),
            help,
            param: None,
        }
    }
    /// A switch: present or not.
    pub const fn switch(name: &'static str, help: &'static str) -> Flag {
        Flag {
            name,
            value: None,
            help,
            param: None,
        }
    }
    /// The library parameter this flag sets, where its name differs (`--k` sets `n_clusters`).
    pub const fn sets(mut self, param: &'static str) -> Flag {
        self.param = Some(param);
        self
    }
    /// Whether this flag sets the library parameter `param`.
    fn names(&self, param: &str) -> bool {
        match self.param {
            Some(p) => p == param,
            None => self.name.trim_start_matches("--").replace('-', "_") == param,
        }
    }
}

/// A command: its name, a one-line description, its flags (`--help` is implicit) and the
/// function that runs it.
pub struct Command {
    pub name: &'static str,
    pub about: &'static str,
    pub flags: &'static [Flag],
    pub run: fn(&Args) -> Result,
}

pub const SEED: Flag = Flag::value("--seed", "N", "seed of every random choice (default 0)");
pub const OUT: Flag = Flag::value(
    "--out",
    "DIR",
    "directory for figures and files (created if missing)",
);
pub const JSON: Flag = Flag::switch(
    "--json",
    "print one JSON document on stdout and nothing else",
);
pub const DATA: Flag = Flag::value(
    "--data",
    "NAME|PATH",
    "a data set name (see `unsupervised datasets`), or a .csv or .npy file",
);
/// The flags every training command (chapters 11 to 13) shares.
pub const BATCH_SIZE: Flag = Flag::value("--batch-size", "N", "minibatch size (default 128)");
pub const LOAD: Flag = Flag::value("--load", "FILE", "start from the parameters saved in FILE");
pub const SAVE: Flag = Flag::value("--save", "FILE", "save the trained parameters to FILE");
pub const N: Flag = Flag::value("--n", "N", "number of points for generated data");
pub const NOISE: Flag = Flag::value("--noise", "X", "noise level for generated data");
pub const LABEL: Flag = Flag::value("--label", "COLUMN", "a CSV file's label column");
/// Chapters 4–6: cluster in units of each feature's standard deviation.
pub const STANDARDIZE: Flag = Flag::switch(
    "--standardize",
    "divide each column by its standard deviation first",
);
// ANCHOR_END: command

/// Parsed flags: values by flag name, and the switches that were given.
pub struct Args {
    values: BTreeMap<&'static str, String>,
}

impl Args {
    pub fn has(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }
    pub fn text(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }
    /// The value of `name` parsed as `T`, or an error naming the flag and the value.
    pub fn get<T: std::str::FromStr>(&self, name: &str, expected: &str) -> Result<Option<T>> {
        match self.values.get(name) {
            None => Ok(None),
            Some(v) => match v.parse() {
                Ok(t) => Ok(Some(t)),
                Err(_) => Err(format!("{name} {v}: expected {expected}").into()),
            },
        }
    }
    /// The value named by `flag` (or `default` when absent) among `options`; aliases follow
    /// their canonical name with the same value. Anything else is an error listing the
    /// canonical names: `--init x: expected pca or random`.
    pub fn choice<T: Copy + PartialEq>(
        &self,
        flag: &str,
        default: &str,
        options: &[(&str, T)],
    ) -> Result<T> {
        let given = self.text(flag).unwrap_or(default);
        if let Some(&(_, v)) = options.iter().find(|(name, _)| *name == given) {
            return Ok(v);
        }
        let names: Vec<&str> = options
            .iter()
            .enumerate()
            .filter(|&(i, (_, v))| !options[..i].iter().any(|(_, w)| w == v))
            .map(|(_, (name, _))| *name)
            .collect();
        let expected = match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => names.join(""),
        };
        Err(format!("{flag} {given}: expected {expected}").into())
    }
    pub fn seed(&self) -> Result<u64> {
        Ok(self.get("--seed", "a whole number")?.unwrap_or(0))
    }
    /// The data set `--data` names (`default` when absent), loaded with [`Args::data_options`].
    /// A CSV file's unnamed first column (a pandas index, R's row names) is read as row
    /// names; a note on stderr says so, since it is not a feature.
    pub fn data(&self, default: &str) -> Result<Dataset> {
        let name = self.text(DATA.name).unwrap_or(default);
        let d = datasets::load(name, &self.data_options()?)?;
        if name.ends_with(".csv") && d.row_names.is_some() {
            eprintln!(
                "note: {name}: the unnamed first column (a pandas index or R's row names) is \
                 read as row names, not as a feature"
            );
        }
        Ok(d)
    }
    /// `--epochs`, `--batch-size` and `--learning-rate` where given, over a training
    /// recipe's defaults (chapters 11 to 13 share them).
    pub fn training(
        &self,
        epochs: &mut usize,
        batch_size: &mut usize,
        learning_rate: &mut f64,
    ) -> Result<()> {
        if let Some(e) = self.get("--epochs", "a whole number")? {
            *epochs = e;
        }
        if let Some(b) = self.get("--batch-size", "a whole number")? {
            *batch_size = b;
        }
        if let Some(r) = self.get("--learning-rate", "a number")? {
            *learning_rate = r;
        }
        Ok(())
    }
    /// An error when `flag` was given although the rest of the command line makes it
    /// meaningless (`why` says what ignores it): a flag is never silently dropped.
    pub fn refuse(&self, flag: &str, why: &str) -> Result<()> {
        match self.text(flag) {
            Some("") => Err(format!("{flag}: {why}").into()),
            Some(v) => Err(format!("{flag} {v}: {why}").into()),
            None => Ok(()),
        }
    }
    /// The data's features, divided by their standard deviations with `--standardize`.
    pub fn features(&self, x: &Matrix<f64>) -> Result<Matrix<f64>> {
        Ok(if self.has("--standardize") {
            x.standardize()?.0
        } else {
            x.clone()
        })
    }
    /// What `--n`, `--noise`, `--seed` and `--label` say about loading `--data`.
    pub fn data_options(&self) -> Result<LoadOptions> {
        Ok(LoadOptions {
            n: self.get("--n", "a whole number")?,
            noise: self.get("--noise", "a number")?,
            seed: self.seed()?,
            label: self.text("--label").map(str::to_string),
        })
    }
}

// ANCHOR: parse
/// Parses a command's arguments; `Ok(None)` means `--help` was asked for (and printed).
pub fn parse(cmd: &Command, args: &[String]) -> Result<Option<Args>> {
    let mut values = BTreeMap::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg == "--help" || arg == "-h" {
            say!("{}", command_help(cmd));
            return Ok(None);
        }
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let Some(flag) = cmd.flags.iter().find(|f| f.name == name) else {
            return Err(format!(
                "{}: unknown option `{arg}`; see `unsupervised {} --help`",
                cmd.name, cmd.name
            )
            .into());
        };
        let value = match (flag.value, inline) {
            (Some(_), Some(v)) => v,
            (Some(meta), None) => match it.next() {
                Some(v) if !v.starts_with("--") => v.clone(),
                _ => return Err(format!("{} needs a value ({meta})", flag.name).into()),
            },
            (None, Some(_)) => return Err(format!("{} takes no value", flag.name).into()),
            (None, None) => String::new(),
        };
        values.insert(flag.name, value);
    }
    Ok(Some(Args { values }))
}
// ANCHOR_END: parse

// ANCHOR: in_flag_terms
/// A library error about a parameter that one of `cmd`'s flags sets, reworded to name that
/// flag as the user typed it: `n_clusters = 0: ...` becomes `--k 0: ...` (or
/// `--k 3 (default): ...` when the flag was not given). An error about the data itself (empty,
/// not finite, too large, or refused as a whole) is prefixed with where the data came from:
/// `--data w.csv: ...`; a file the system refused, with the flag that named it; a run that
/// diverged, with `--learning-rate`. Every other error passes unchanged.
pub fn in_flag_terms(
    cmd: &Command,
    args: &Args,
    err: Box<dyn std::error::Error>,
) -> Box<dyn std::error::Error> {
    let Some(lib) = err.downcast_ref::<Error>() else {
        return err;
    };
    match lib {
        Error::InvalidParameter { name, reason, .. } if *name == "data" => {
            format!("{}: {reason}", data_source(args)).into()
        }
        Error::Empty { .. } | Error::NonFinite { .. } | Error::TooLarge { .. }
            if cmd.flags.iter().any(|f| f.name == DATA.name) =>
        {
            format!("{}: {lib}", data_source(args)).into()
        }
        // A file the system refused: name the flag that named it.
        Error::Io { path, .. } => match cmd
            .flags
            .iter()
            .find(|f| f.value.is_some() && args.text(f.name) == Some(path.as_str()))
        {
            Some(flag) => format!("{} {path}: {lib}", flag.name).into(),
            None => err,
        },
        // A run that blew up is the step size's doing: name it as typed (or its default).
        Error::Diverged { .. } if cmd.flags.iter().any(|f| f.name == "--learning-rate") => {
            match args.text("--learning-rate") {
                Some(rate) => format!("--learning-rate {rate}: {lib}").into(),
                None => format!("--learning-rate (default): {lib}").into(),
            }
        }
        Error::InvalidParameter {
            name,
            value,
            reason,
        } => {
            let Some(flag) = cmd.flags.iter().find(|f| f.names(name)) else {
                return err;
            };
            match args.text(flag.name) {
                Some(_) if flag.value.is_none() => format!("{}: {reason}", flag.name).into(),
                Some(typed) => format!("{} {typed}: {reason}", flag.name).into(),
                None => format!("{} {value} (default): {reason}", flag.name).into(),
            }
        }
        _ => err,
    }
}

/// Where the data came from, as the user said it: `--n 1000000` for a generator's size,
/// else `--data NAME`, else the command's default data set.
fn data_source(args: &Args) -> String {
    match (args.text(N.name), args.text(DATA.name)) {
        (Some(n), Some(data)) => format!("--data {data} --n {n}"),
        (None, Some(data)) => format!("--data {data}"),
        (Some(n), None) => format!("--n {n}"),
        (None, None) => "the default --data".to_string(),
    }
}
// ANCHOR_END: in_flag_terms

/// `unsupervised CMD --help`.
pub fn command_help(cmd: &Command) -> String {
    let mut s = format!(
        "unsupervised {} — {}\n\nUSAGE:\n    unsupervised {} [OPTIONS]\n\nOPTIONS:\n",
        cmd.name, cmd.about, cmd.name
    );
    for f in cmd.flags {
        let left = match f.value {
            Some(v) => format!("{} {v}", f.name),
            None => f.name.to_string(),
        };
        let _ = writeln!(s, "    {left:<22}{}", f.help);
    }
    let _ = write!(s, "    {:<22}print this help", "-h, --help");
    s
}

/// `unsupervised --help`: every command, one line each.
pub fn program_help<'a>(commands: impl Iterator<Item = &'a Command>) -> String {
    let mut s = String::from(
        "unsupervised — unsupervised learning from scratch, the code of the book\n\n\
         USAGE:\n    unsupervised <COMMAND> [OPTIONS]\n\nCOMMANDS:\n",
    );
    for c in commands {
        let _ = writeln!(s, "    {:<12}{}", c.name, c.about);
    }
    s.push_str(
        "\nOPTIONS:\n    -h, --help  print this help\n    --version   print the version\n\n",
    );
    s.push_str("Run `unsupervised <COMMAND> --help` for a command's options.");
    s
}
