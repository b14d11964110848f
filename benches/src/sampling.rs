//! Samples of operations that take microseconds: one sample is `reps` back-to-back
//! repetitions, `reps` calibrated once so that a sample lasts about a target time.

use std::time::{Duration, Instant};

use crate::raw::BenchResult;

/// How a case is sampled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Plan {
    /// Timed samples per side (after one warm-up round); the table shows their median.
    pub(crate) samples: usize,
    /// About how long one raw sample lasts; the repetitions per sample follow from it.
    pub(crate) target: Duration,
}

impl Plan {
    /// The default: 9 samples of about 20 ms.
    pub(crate) const NORMAL: Plan = Plan { samples: 9, target: Duration::from_millis(20) };
    /// `--quick`: 3 samples of about 2 ms.
    pub(crate) const QUICK: Plan = Plan { samples: 3, target: Duration::from_millis(2) };
}

/// Most repetitions a sample may have (an operation faster than a target / this is timed
/// over more than the target).
pub(crate) const MAX_REPS: usize = 1_000_000;

/// The repetitions that make a sample of an operation taking `per_op` last about `target`:
/// `target / per_op` rounded to the nearest, within `1..=MAX_REPS`.
pub(crate) fn reps_for(target: Duration, per_op: Duration) -> usize {
    let per_op = per_op.as_nanos();
    if per_op == 0 {
        return MAX_REPS;
    }
    let reps = (target.as_nanos() + per_op / 2) / per_op;
    usize::try_from(reps).unwrap_or(MAX_REPS).clamp(1, MAX_REPS)
}

/// The time of one repetition in a sample of `reps` repetitions that took `sample`.
pub(crate) fn per_op(sample: Duration, reps: usize) -> Duration {
    match u32::try_from(reps) {
        Ok(0) => sample,
        Ok(n) => sample / n,
        Err(_) => Duration::from_secs_f64(sample.as_secs_f64() / reps as f64),
    }
}

/// The batch sizes tried by [`calibrate`]: 1, 2, 4, ... up to [`MAX_REPS`].
fn batch_sizes() -> impl Iterator<Item = usize> {
    std::iter::successors(Some(1_usize), |&n| (n < MAX_REPS).then(|| (n * 2).min(MAX_REPS)))
}

/// Run `op` `reps` times; the time they took.
fn batch(reps: usize, op: &mut impl FnMut() -> BenchResult<()>) -> BenchResult<Duration> {
    let start = Instant::now();
    for _ in 0..reps {
        op()?;
    }
    Ok(start.elapsed())
}

/// Repetitions per sample for `op`. It runs untimed once, then in doubling batches until a
/// batch lasts a quarter of `target`, which gives a first estimate; a batch of that many
/// (about `target` long, past the first runs' cold caches) gives the answer: [`reps_for`]
/// its time per repetition.
pub(crate) fn calibrate(target: Duration, mut op: impl FnMut() -> BenchResult<()>) -> BenchResult<usize> {
    op()?;
    let mut estimate = MAX_REPS;
    for reps in batch_sizes() {
        let elapsed = batch(reps, &mut op)?;
        if elapsed * 4 >= target {
            estimate = reps_for(target, per_op(elapsed, reps));
            break;
        }
    }
    Ok(reps_for(target, per_op(batch(estimate, &mut op)?, estimate)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reps_fill_the_target() {
        let us = Duration::from_micros;
        assert_eq!(reps_for(Duration::from_millis(20), us(10)), 2000);
        assert_eq!(reps_for(Duration::from_millis(20), us(30)), 667);
        // Slower than the target: one repetition.
        assert_eq!(reps_for(Duration::from_millis(2), Duration::from_millis(9)), 1);
        assert_eq!(reps_for(Duration::from_millis(2), Duration::ZERO), MAX_REPS);
        assert_eq!(reps_for(Duration::from_secs(10), Duration::from_nanos(1)), MAX_REPS);
    }

    #[test]
    fn per_op_divides_by_the_repetitions() {
        assert_eq!(per_op(Duration::from_millis(20), 2000), Duration::from_micros(10));
        assert_eq!(per_op(Duration::from_millis(3), 0), Duration::from_millis(3));
    }

    #[test]
    fn batches_double_up_to_the_cap() {
        let sizes: Vec<usize> = batch_sizes().collect();
        assert_eq!(&sizes[..4], [1, 2, 4, 8]);
        assert_eq!(sizes.last(), Some(&MAX_REPS));
        assert!(sizes.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn calibration_fills_the_target() {
        let reps = calibrate(Duration::from_millis(4), || {
            std::thread::sleep(Duration::from_micros(200));
            Ok(())
        })
        .unwrap();
        // A sleep lasts at least its time: at most 4 ms / 200 µs repetitions (on an idle
        // machine about that many).
        assert!((1..=20).contains(&reps), "reps {reps}");
        assert!(calibrate(Duration::from_millis(1), || Err("no".into())).is_err());
    }

    #[test]
    fn a_slow_operation_is_confirmed_with_a_batch_of_the_estimate() {
        let mut runs = 0_usize;
        // 2 ms or more per run against a 4 ms target: the first batch (of 1) already lasts
        // a quarter of it, the estimate is 2 (1 if the sleep overran by a third), and one
        // batch of the estimate follows the untimed run and that first batch.
        let reps = calibrate(Duration::from_millis(4), || {
            runs += 1;
            std::thread::sleep(Duration::from_millis(2));
            Ok(())
        })
        .unwrap();
        assert!((1..=2).contains(&reps), "reps {reps}");
        assert!((3..=4).contains(&runs), "runs {runs}");
    }
}
