//! `techmarket rewards evaluate FILE`: evaluates a scenario file (FILE `-` = standard input) with the
//! default catalogue and prints the evaluation as pretty JSON.

use std::io::{Read, Write};

use super::{check_scenario, default_catalogue, evaluate};

/// Exit code: evaluated; the JSON is on `out`.
pub const EXIT_OK: i32 = 0;
/// Exit code: the result could not be written.
pub const EXIT_OUTPUT: i32 = 1;
/// Exit code: the file could not be read, is not JSON, or is not a valid scenario (the message names the
/// field).
pub const EXIT_BAD_SCENARIO: i32 = 2;
/// Exit code: the built-in catalogue is invalid (a defect of the build, not of the scenario).
pub const EXIT_CATALOGUE: i32 = 3;

/// Runs `rewards evaluate PATH` and returns the exit code:
/// - 0: evaluated, JSON on `out`;
/// - 1: the JSON could not be written;
/// - 2: the scenario could not be read or is invalid; one line on `err` naming the field
///   (e.g. `error: contracts[1].technology_amount: …`);
/// - 3: the embedded policy catalogue is invalid (names the file and line).
pub fn evaluate_command(path: &str, stdin: &mut dyn Read, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let mut text = String::new();
    let read = if path == "-" {
        stdin.read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::read_to_string(path).map(|t| text = t)
    };
    if let Err(e) = read {
        let source = if path == "-" {
            "standard input".to_string()
        } else {
            path.to_string()
        };
        let _ = writeln!(err, "error: cannot read {source}: {e}");
        return EXIT_BAD_SCENARIO;
    }
    let catalogue = match default_catalogue() {
        Ok(c) => c,
        Err(e) => {
            let _ = writeln!(err, "error: policy catalogue: {e}");
            return EXIT_CATALOGUE;
        }
    };
    let value = match super::scenario::parse_json(&text) {
        Ok(v) => v,
        Err(e) => {
            let _ = writeln!(err, "error: invalid scenario: {e}");
            return EXIT_BAD_SCENARIO;
        }
    };
    let scenario = match super::scenario::parse_scenario_value(&value).and_then(|s| {
        check_scenario(&s, &catalogue)?;
        Ok(s)
    }) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(err, "error: invalid scenario: {e}");
            return EXIT_BAD_SCENARIO;
        }
    };
    let evaluation = evaluate(&scenario, &catalogue);
    // Streamed through a buffer: a national year's result is hundreds of megabytes.
    let written = {
        let mut buffered = std::io::BufWriter::with_capacity(1 << 20, &mut *out);
        serde_json::to_writer_pretty(&mut buffered, &evaluation)
            .map_err(std::io::Error::other)
            .and_then(|_| writeln!(buffered))
            .and_then(|_| buffered.flush())
    };
    // The process ends here: a national year is millions of small allocations, and handing them
    // back one by one costs more than a second that the operating system does at exit for free.
    std::mem::forget((text, value, scenario, evaluation));
    match written {
        Ok(()) => EXIT_OK,
        Err(e) => {
            let _ = writeln!(err, "error: cannot write the result: {e}");
            EXIT_OUTPUT
        }
    }
}
