//! `flyer-valsort`: valsort 1.5's command line. Validates that a file of 100-byte records is in key
//! order, counts duplicate keys and sums the records' CRC-32s (which must equal gensort -c of the
//! input), or (-s) checks a file of concatenated summaries written by -o, one per output partition.

use crate::args::{attached_or_next, parse_or_usage, parse_threads};
use crate::fileio::{create_output, open_records, strip_sump_options};
use crate::pipeline::default_threads;
use crate::summarize::{Records, summarize};
use crate::summary::{KeyCompare, SUMMARY_BYTES, Summary};
use std::io::Write;

const USAGE: &str = "\
usage: flyer valsort [-i] [-q] [-o SUMMARY_FILE] [-s] [-tN] FILE_NAME[,opts]
  -i               compare keys case-insensitively (ASCII records)
  -q               quiet: print nothing unless the records are out of order
  -o SUMMARY_FILE  also write a 280-byte summary of FILE_NAME, for a later -s over all partitions
  -s               FILE_NAME is a concatenation of summaries (in output order) to validate as one file
  -tN              threads (default: all cores)
  FILE_NAME        records file; gensort's ',buf', ',dir', ',trans=N', ',count=N' suffixes are accepted and ignored
exit status: 0 all records in order, 1 unordered records or an error";

pub struct ValsortArgs {
    pub compare: KeyCompare,
    pub quiet: bool,
    pub summary_out: Option<String>,
    pub summaries_in: bool,
    pub threads: usize,
    pub path: String,
}

pub fn parse(argv: &[String]) -> Result<ValsortArgs, String> {
    let mut a = ValsortArgs { compare: KeyCompare::Bytes, quiet: false, summary_out: None, summaries_in: false, threads: default_threads(), path: String::new() };
    let mut positional = Vec::new();
    let mut it = argv.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "-i" => a.compare = KeyCompare::CaseInsensitive,
            "-q" => a.quiet = true,
            "-s" => a.summaries_in = true,
            s if s.starts_with("-o") => a.summary_out = Some(attached_or_next(s, &mut it, "-o")?.to_string()),
            s if s.starts_with("-t") => a.threads = parse_threads(attached_or_next(s, &mut it, "-t")?)?,
            s if s.starts_with('-') && s.len() > 1 => return Err(format!("unknown option '{s}'")),
            _ => positional.push(arg.clone()),
        }
    }
    if positional.len() != 1 {
        return Err(format!("expected one FILE_NAME, got {} argument(s)", positional.len()));
    }
    a.path = strip_sump_options(&positional[0])?.to_string();
    Ok(a)
}

/// Summarises a records file on `threads` threads (blocks merge in file order, so the result is the
/// same as one sequential pass).
pub fn summarize_records(path: &str, compare: KeyCompare, threads: usize) -> std::io::Result<Summary> {
    let (file, records) = open_records(path)?;
    if records == 0 {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{path} holds no records")));
    }
    summarize(Records::File { file: &file, records }, compare, threads)
}

/// Merges a file of concatenated summaries, in order.
pub fn summarize_summaries(path: &str, compare: KeyCompare) -> std::io::Result<Summary> {
    let bytes = std::fs::read(path).map_err(|e| std::io::Error::new(e.kind(), format!("can't read {path}: {e}")))?;
    if bytes.is_empty() || bytes.len() % SUMMARY_BYTES != 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{path} is {} bytes, not a non-empty multiple of the {SUMMARY_BYTES}-byte summary size", bytes.len()),
        ));
    }
    let mut parts = bytes.chunks_exact(SUMMARY_BYTES).map(Summary::from_bytes);
    let first = parts.next().expect("non-empty");
    Ok(parts.fold(first, |acc, s| acc.then(&s, compare)))
}

/// valsort's report on standard error; returns the exit code.
pub fn report(s: &Summary, quiet: bool, err: &mut impl Write) -> i32 {
    if s.unordered != 0 {
        let _ = writeln!(err, "First unordered record is record {}", s.first_unordered);
    }
    if !quiet {
        let _ = writeln!(err, "Records: {}", s.records);
        let _ = writeln!(err, "Checksum: {:x}", s.checksum);
    }
    if s.unordered != 0 {
        let _ = writeln!(err, "ERROR - there are {} unordered records", s.unordered);
        return 1;
    }
    if !quiet {
        let _ = writeln!(err, "Duplicate keys: {}", s.duplicates);
        let _ = writeln!(err, "SUCCESS - all records are in order");
    }
    0
}

pub fn main(argv: &[String]) -> i32 {
    let args = match parse_or_usage(argv, "flyer valsort", USAGE, parse) {
        Ok(a) => a,
        Err(exit_code) => return exit_code,
    };
    let summary = if args.summaries_in {
        summarize_summaries(&args.path, args.compare)
    } else {
        summarize_records(&args.path, args.compare, args.threads)
    };
    let summary = match summary {
        Ok(s) => s,
        Err(e) => {
            eprintln!("flyer valsort: {e}");
            return 1;
        }
    };
    if let Some(out) = &args.summary_out {
        if let Err(e) = create_output(out).and_then(|mut f| f.write_all(&summary.to_bytes())) {
            eprintln!("flyer valsort: can't write summary {out}: {e}");
            return 1;
        }
    }
    report(&summary, args.quiet, &mut std::io::stderr())
}
