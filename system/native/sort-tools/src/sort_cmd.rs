//! `flyer-sort`: the GraySort engine's command line.
//!   flyer-sort sort [--threads N] [--sync] [--buffered] IN... OUT
//!   flyer-sort partition IN --parts P --out DIR [--key-space binary|ascii | --splitters FILE]
//!   flyer-sort splitters IN... --parts P --out FILE [--samples N]
//! Each prints one JSON line on stdout describing what it did; errors go to stderr with exit 1, bad
//! usage with exit 2.

use crate::partition::{KeySpace, partition_file, read_splitters, sample_splitters};
use crate::pipeline::default_threads;
use crate::sort::{SortOptions, sort_files};
use std::path::Path;

const USAGE: &str = "\
usage: flyer-sort sort [--threads N] [--sync] [--buffered] IN [IN...] OUT
       flyer-sort partition IN --parts P --out DIR [--key-space binary|ascii | --splitters FILE]
       flyer-sort splitters IN [IN...] --parts P --out FILE [--samples N]
Records are 100 bytes with a 10-byte key (gensort binary or ASCII records).
  sort       sorts the concatenation of the inputs by key into OUT (stable: equal keys keep input order);
             OUT is written with O_DIRECT unless --buffered; --sync fdatasyncs it before exiting
  partition  splits IN by key range into DIR/part-00000.dat .. part-<P-1>.dat; the key space says how
             keys spread (binary: all 256 byte values, the default; ascii: printable characters), or
             --splitters gives P-1 sorted 10-byte boundary keys (see 'splitters')
  splitters  samples keys from the inputs (default 100000) and writes P-1 boundary keys for skewed data";

struct Flags {
    positional: Vec<String>,
    threads: usize,
    sync: bool,
    buffered: bool,
    parts: Option<usize>,
    out: Option<String>,
    key_space: Option<String>,
    splitters: Option<String>,
    samples: usize,
}

fn parse_flags(argv: &[String]) -> Result<Flags, String> {
    let mut f = Flags { positional: Vec::new(), threads: default_threads(), sync: false, buffered: false, parts: None, out: None, key_space: None, splitters: None, samples: 100_000 };
    let mut it = argv.iter();
    let number = |name: &str, v: Option<&String>| -> Result<usize, String> {
        let v = v.ok_or_else(|| format!("{name} needs a value"))?;
        v.parse::<usize>().ok().filter(|n| *n >= 1).ok_or_else(|| format!("{name} must be a positive integer, got '{v}'"))
    };
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--threads" => f.threads = number("--threads", it.next())?,
            "--sync" => f.sync = true,
            "--buffered" => f.buffered = true,
            "--parts" => f.parts = Some(number("--parts", it.next())?),
            "--samples" => f.samples = number("--samples", it.next())?,
            "--out" => f.out = Some(it.next().ok_or("--out needs a value")?.clone()),
            "--key-space" => f.key_space = Some(it.next().ok_or("--key-space needs a value")?.clone()),
            "--splitters" => f.splitters = Some(it.next().ok_or("--splitters needs a value")?.clone()),
            a if a.starts_with("--") => return Err(format!("unknown option '{a}'")),
            _ => f.positional.push(arg.clone()),
        }
    }
    Ok(f)
}

fn run(argv: &[String]) -> Result<Result<String, std::io::Error>, String> {
    let Some((command, rest)) = argv.split_first() else { return Err("missing command".into()) };
    let f = parse_flags(rest)?;
    match command.as_str() {
        "sort" => {
            if f.parts.is_some() || f.out.is_some() || f.key_space.is_some() || f.splitters.is_some() {
                return Err("sort takes IN... OUT as arguments, not --parts/--out/--key-space/--splitters".into());
            }
            if f.positional.len() < 2 {
                return Err("sort needs at least one input and an output".into());
            }
            let (out, inputs) = f.positional.split_last().unwrap();
            Ok(sort_files(inputs, out, &SortOptions { threads: f.threads, direct: !f.buffered, sync: f.sync }).map(|s| s.to_json()))
        }
        "partition" => {
            let [input] = f.positional.as_slice() else { return Err("partition needs exactly one input".into()) };
            let parts = f.parts.ok_or("partition needs --parts P")?;
            let dir = f.out.ok_or("partition needs --out DIR")?;
            let space = match (f.key_space.as_deref(), &f.splitters) {
                (Some(_), Some(_)) => return Err("give --key-space or --splitters, not both".into()),
                (None, Some(path)) => KeySpace::Splitters(read_splitters(path, parts)?),
                (None | Some("binary"), None) => KeySpace::Binary,
                (Some("ascii"), None) => KeySpace::Ascii,
                (Some(other), None) => return Err(format!("--key-space must be binary or ascii, got '{other}'")),
            };
            Ok(partition_file(input, Path::new(&dir), parts, &space).map(|r| {
                let counts: Vec<String> = r.counts.iter().map(|c| c.to_string()).collect();
                format!("{{\"records\":{},\"parts\":{},\"counts\":[{}]}}", r.records, parts, counts.join(","))
            }))
        }
        "splitters" => {
            if f.positional.is_empty() {
                return Err("splitters needs at least one input".into());
            }
            let parts = f.parts.ok_or("splitters needs --parts P")?;
            let out = f.out.ok_or("splitters needs --out FILE")?;
            Ok(sample_splitters(&f.positional, parts, f.samples).and_then(|keys| {
                std::fs::write(&out, keys.concat())?;
                Ok(format!("{{\"splitters\":{},\"parts\":{parts}}}", keys.len()))
            }))
        }
        other => Err(format!("unknown command '{other}'")),
    }
}

pub fn main(argv: &[String]) -> i32 {
    if argv.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return 0;
    }
    match run(argv) {
        Err(usage) => {
            eprintln!("flyer-sort: {usage}\n{USAGE}");
            2
        }
        Ok(Err(e)) => {
            eprintln!("flyer-sort: {e}");
            1
        }
        Ok(Ok(json)) => {
            println!("{json}");
            0
        }
    }
}
