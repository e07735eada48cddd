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

/// The start gensort and valsort share: `-h`/`--help` prints the usage, bad arguments print the message
/// and the usage. Either way the command is over, and `Err` carries its exit code (0 and 1, as gensort
/// 1.5 exits); otherwise `Ok` carries the parsed arguments.
pub fn parse_or_usage<T>(argv: &[String], tool: &str, usage: &str, parse: impl FnOnce(&[String]) -> Result<T, String>) -> Result<T, i32> {
    if argv.iter().any(|a| a == "-h" || a == "--help") {
        println!("{usage}");
        return Err(0);
    }
    parse(argv).map_err(|message| {
        eprintln!("{tool}: {message}\n{usage}");
        1
    })
}
