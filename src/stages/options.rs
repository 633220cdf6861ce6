//! Options a stage declares for itself: each has a name (the `--name` flag
//! of `gutenpipe run` and `sweep`), a line of help, a default and a kind.
//! The command line makes a flag of every option the registered stages
//! declare (an option two stages declare is one flag), and each stage is
//! built from the values given ([`Options`]).

use std::collections::BTreeMap;

use serde_json::Value;

/// What values an option takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    /// Present or not (`--keep-case`); the default is off.
    Flag,
    /// A whole number from 1 up (`--top 20`).
    Count,
    /// Any text.
    Text,
}

/// One option of a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageOption {
    /// The flag's name without dashes: `keep-case`.
    pub name: &'static str,
    /// One line for `--help`.
    pub help: &'static str,
    /// The value when the flag is not given (ignored for a flag).
    pub default: &'static str,
    /// What kind of value it takes.
    pub kind: OptionKind,
}

impl StageOption {
    /// Checks `text` as a value of this option.
    pub fn parse(&self, text: &str) -> Result<OptionValue, String> {
        match self.kind {
            OptionKind::Flag => match text {
                "true" | "" => Ok(OptionValue::Flag(true)),
                "false" => Ok(OptionValue::Flag(false)),
                _ => Err(format!("--{} takes no value", self.name)),
            },
            OptionKind::Count => match text.trim().parse::<usize>() {
                Ok(n) if n >= 1 => Ok(OptionValue::Count(n)),
                _ => Err(format!(
                    "--{}: `{text}` is not a whole number from 1 up",
                    self.name
                )),
            },
            OptionKind::Text => Ok(OptionValue::Text(text.to_string())),
        }
    }

    /// The option's value when it is not given.
    pub fn default_value(&self) -> OptionValue {
        match self.kind {
            OptionKind::Flag => OptionValue::Flag(false),
            _ => self
                .parse(self.default)
                .unwrap_or_else(|_| OptionValue::Text(self.default.to_string())),
        }
    }
}

/// A value of an option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionValue {
    /// A flag: given or not.
    Flag(bool),
    /// A count.
    Count(usize),
    /// Any text.
    Text(String),
}

impl OptionValue {
    fn to_json(&self) -> Value {
        match self {
            OptionValue::Flag(b) => Value::Bool(*b),
            OptionValue::Count(n) => Value::from(*n),
            OptionValue::Text(t) => Value::String(t.clone()),
        }
    }
}

/// The values of the stages' options, by name; an option not given has
/// its default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    values: BTreeMap<&'static str, OptionValue>,
}

impl Options {
    /// Every option of `declared` at its default.
    pub fn defaults<'a>(declared: impl IntoIterator<Item = &'a StageOption>) -> Options {
        let mut options = Options::default();
        for o in declared {
            options.values.insert(o.name, o.default_value());
        }
        options
    }

    /// Sets option `name`.
    pub fn set(&mut self, name: &'static str, value: OptionValue) {
        self.values.insert(name, value);
    }

    /// Whether flag `name` is on (off when unknown).
    pub fn flag(&self, name: &str) -> bool {
        matches!(self.values.get(name), Some(OptionValue::Flag(true)))
    }

    /// The number `name` holds, or `default` when it holds none.
    pub fn count(&self, name: &str, default: usize) -> usize {
        match self.values.get(name) {
            Some(OptionValue::Count(n)) => *n,
            _ => default,
        }
    }

    /// The text `name` holds, if any.
    pub fn text(&self, name: &str) -> Option<&str> {
        match self.values.get(name) {
            Some(OptionValue::Text(t)) => Some(t),
            _ => None,
        }
    }

    /// The values as the report records them: `keep-case` as `keep_case`.
    pub fn recorded(&self) -> BTreeMap<String, Value> {
        self.values
            .iter()
            .map(|(name, v)| (name.replace('-', "_"), v.to_json()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOP: StageOption = StageOption {
        name: "top",
        help: "",
        default: "10",
        kind: OptionKind::Count,
    };
    const KEEP: StageOption = StageOption {
        name: "keep-case",
        help: "",
        default: "",
        kind: OptionKind::Flag,
    };

    #[test]
    fn values_parse_and_defaults_apply() {
        let mut o = Options::defaults([&TOP, &KEEP]);
        assert_eq!((o.count("top", 0), o.flag("keep-case")), (10, false));
        o.set("top", TOP.parse("3").unwrap());
        o.set("keep-case", KEEP.parse("true").unwrap());
        assert_eq!((o.count("top", 0), o.flag("keep-case")), (3, true));
        assert!(TOP.parse("0").unwrap_err().contains("--top"));
        assert!(TOP.parse("x").is_err());
        assert_eq!(
            serde_json::to_value(o.recorded()).unwrap(),
            serde_json::json!({ "keep_case": true, "top": 3 })
        );
    }
}
