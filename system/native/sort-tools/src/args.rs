//! Tiny argument helpers: the tools keep gensort's single-letter syntax (`-bN`, `-tN`), which no
//! general-purpose parser in std would give us anyway.

/// A decimal record number or count, as large as gensort accepts (128 bits).
pub fn parse_u128(what: &str, text: &str) -> Result<u128, String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{what} must be a non-negative decimal integer, got '{text}'"));
    }
    text.parse::<u128>().map_err(|_| format!("{what} is too large: '{text}'"))
}

pub fn parse_threads(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if (1..=1024).contains(&n) => Ok(n),
        _ => Err(format!("thread count must be 1..1024, got '{text}'")),
    }
}

/// The value of `-xVALUE`, or of `-x VALUE` taken from the next argument.
pub fn attached_or_next<'a>(arg: &'a str, rest: &mut impl Iterator<Item = &'a String>, flag: &str) -> Result<&'a str, String> {
    if arg.len() > 2 {
        Ok(&arg[2..])
    } else {
        rest.next().map(|s| s.as_str()).ok_or_else(|| format!("{flag} needs a value"))
    }
}
