//! Values a user names: each value of a type has a name (`--mode streamed`,
//! `--layout numbered`), and a text is read as the value of that name, or
//! refused with every name the type knows.

/// The value of `all` named `text` (spaces around it ignored), or an error
/// listing every name: "`x` is not a {what}; the {whats} are a, b, c".
pub fn parse<T: Copy>(
    text: &str,
    all: &[T],
    name: fn(T) -> &'static str,
    what: &str,
    whats: &str,
) -> Result<T, String> {
    all.iter()
        .copied()
        .find(|&v| name(v) == text.trim())
        .ok_or_else(|| {
            let names: Vec<&str> = all.iter().map(|&v| name(v)).collect();
            format!(
                "`{text}` is not {what}; the {whats} are {}",
                names.join(", ")
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_read_and_a_wrong_one_refused_with_every_name() {
        let name = |n: u8| ["zero", "one", "two"][n as usize];
        assert_eq!(
            parse(" one ", &[0, 1, 2], name, "a number", "numbers"),
            Ok(1)
        );
        assert_eq!(
            parse("three", &[0, 1, 2], name, "a number", "numbers"),
            Err("`three` is not a number; the numbers are zero, one, two".to_string())
        );
    }
}
