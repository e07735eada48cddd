//! `flyer-gensort`: gensort 1.5's command line over the generator in record.rs, multi-threaded
//! (generation is CPU-bound; the writer stays sequential so the file is written in order).

use crate::args::{attached_or_next, parse_or_usage, parse_threads, parse_u128};
use crate::crc32::sum_record_crcs;
use crate::fileio::strip_sump_options;
use crate::memory::AlignedBuf;
use crate::output::OutputFile;
use crate::pipeline::{default_threads, ordered_blocks};
use crate::record::{GenOptions, RECORD_BYTES, RecordKind, generate};

const USAGE: &str = "\
usage: flyer gensort [-a] [-c] [-s] [-bSTARTING_REC_NUM] [-tN] NUM_RECS FILE_NAME[,opts]
  -a         ASCII records (printable keys, lines ending in CR LF) instead of binary ones
  -c         print the sum of the CRC-32 checksums of the records (hex) to standard error
  -s         skewed keys (gensort's Daytona skew test; byte-identical to gensort -s)
  -bN        number of the first record to generate (default 0)
  -tN        threads (default: all cores); the output does not depend on it
  NUM_RECS   number of records to generate
  FILE_NAME  output file (- or /dev/stdout: standard output); gensort's ',buf', ',dir', ',trans=N', ',count=N' suffixes are accepted and ignored";

/// Records per block handed to a worker: 4,096,000 bytes, a 4 KiB multiple for O_DIRECT writes, large
/// enough to amortise the skip-ahead and the channel hop.
const BLOCK_RECORDS: u128 = 40_960;

pub struct GensortArgs {
    pub options: GenOptions,
    pub print_checksum: bool,
    pub start: u128,
    pub count: u128,
    pub threads: usize,
    pub path: String,
}

pub fn parse(argv: &[String]) -> Result<GensortArgs, String> {
    let mut ascii = false;
    let mut skewed = false;
    let mut print_checksum = false;
    let mut start = 0u128;
    let mut threads = default_threads();
    let mut positional = Vec::new();
    let mut it = argv.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "-a" => ascii = true,
            "-s" => skewed = true,
            "-c" => print_checksum = true,
            a if a.starts_with("-b") => start = parse_u128("starting record number (-b)", attached_or_next(a, &mut it, "-b")?)?,
            a if a.starts_with("-t") => threads = parse_threads(attached_or_next(a, &mut it, "-t")?)?,
            a if a.starts_with('-') && a.len() > 1 => return Err(format!("unknown option '{a}'")),
            _ => positional.push(arg.clone()),
        }
    }
    if positional.len() != 2 {
        return Err(format!("expected NUM_RECS and FILE_NAME, got {} argument(s)", positional.len()));
    }
    let count = parse_u128("NUM_RECS", &positional[0])?;
    if start.checked_add(count).is_none() {
        return Err("starting record number plus NUM_RECS exceeds 2^128".into());
    }
    let path = strip_sump_options(&positional[1])?.to_string();
    let kind = if ascii { RecordKind::Ascii } else { RecordKind::Binary };
    Ok(GensortArgs { options: GenOptions { kind, skewed }, print_checksum, start, count, threads, path })
}

/// Generates the records and returns the checksum (sum of the records' CRC-32s; 0 unless asked for).
pub fn generate_file(a: &GensortArgs) -> std::io::Result<u128> {
    let mut out = OutputFile::create(&a.path, true)?;
    let blocks = usize::try_from(a.count.div_ceil(BLOCK_RECORDS))
        .map_err(|_| std::io::Error::other("NUM_RECS is too large for this machine"))?;
    let mut checksum: u128 = 0;
    ordered_blocks(
        blocks,
        a.threads,
        || (AlignedBuf::zeroed(BLOCK_RECORDS as usize * RECORD_BYTES), 0usize, 0u128),
        |b, (buf, len, sum)| {
            let first = b as u128 * BLOCK_RECORDS;
            *len = (a.count - first).min(BLOCK_RECORDS) as usize * RECORD_BYTES;
            let records = &mut buf.as_mut_slice()[..*len];
            generate(a.start + first, records, a.options);
            *sum = if a.print_checksum { sum_record_crcs(records) } else { 0 };
            Ok(())
        },
        |_, (buf, len, sum)| {
            checksum = checksum.wrapping_add(*sum);
            out.write_block(&buf.as_slice()[..*len])
        },
    )?;
    out.finish()?;
    Ok(checksum)
}

/// The whole command; returns the process exit code.
pub fn main(argv: &[String]) -> i32 {
    let args = match parse_or_usage(argv, "flyer gensort", USAGE, parse) {
        Ok(a) => a,
        Err(exit_code) => return exit_code,
    };
    match generate_file(&args) {
        Ok(checksum) => {
            if args.print_checksum {
                eprintln!("{checksum:x}");
            }
            0
        }
        Err(e) => {
            eprintln!("flyer gensort: {e}");
            1
        }
    }
}
