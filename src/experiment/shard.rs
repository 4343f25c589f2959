//! Shards: a run split into contiguous slices of its replications for a
//! batch engine (Slurm arrays, AWS Batch array jobs, Kubernetes Indexed
//! Jobs), and the rules by which their outputs merge exactly.

use serde::{Deserialize, Serialize};

use super::outputs::RowSelection;

/// Shard `k` of `n`, `k` from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which slice.
    pub k: u64,
    /// How many slices.
    pub n: u64,
}

/// Where a batch engine puts its task's array index, in the order looked up.
pub(crate) const INDEX_VARIABLES: [&str; 3] = [
    "SLURM_ARRAY_TASK_ID",
    "AWS_BATCH_JOB_ARRAY_INDEX",
    "JOB_COMPLETION_INDEX",
];

impl Shard {
    /// Parses `K/N`, K a number or `env` (then read by `env` from the
    /// batch engine's variables: `SLURM_ARRAY_TASK_ID` minus
    /// `SLURM_ARRAY_TASK_MIN`, `AWS_BATCH_JOB_ARRAY_INDEX`, or
    /// `JOB_COMPLETION_INDEX`).
    pub fn parse(text: &str, env: impl Fn(&str) -> Option<String>) -> Result<Shard, String> {
        let (k, n) = text
            .split_once('/')
            .ok_or_else(|| format!("--shard {text:?}: write K/N, e.g. 0/4 or env/4"))?;
        let n: u64 = n
            .parse()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| format!("--shard {text:?}: N must be a positive number"))?;
        let k: u64 = if k == "env" {
            index_from_env(env)?
        } else {
            k.parse()
                .map_err(|_| format!("--shard {text:?}: K must be a number or `env`"))?
        };
        if k >= n {
            return Err(format!(
                "--shard {text:?}: K must be below N (shards are numbered from 0)"
            ));
        }
        Ok(Shard { k, n })
    }

    /// Replications `(first, count)` of this shard over `total`: contiguous,
    /// in order, covering `0..total` exactly over `k = 0..n` (computed in
    /// 128 bits, so no product overflows).
    pub fn range(self, total: u64) -> (u64, u64) {
        let at = |k: u64| (u128::from(total) * u128::from(k) / u128::from(self.n)) as u64;
        let (lo, hi) = (at(self.k), at(self.k + 1));
        (lo, hi - lo)
    }
}

/// The array index a batch engine gives its task.
fn index_from_env(env: impl Fn(&str) -> Option<String>) -> Result<u64, String> {
    let var = |name: &str| env(name).and_then(|v| v.trim().parse::<u64>().ok());
    if let Some(id) = var(INDEX_VARIABLES[0]) {
        return Ok(id - var("SLURM_ARRAY_TASK_MIN").unwrap_or(0).min(id));
    }
    var(INDEX_VARIABLES[1])
        .or_else(|| var(INDEX_VARIABLES[2]))
        .ok_or_else(|| {
            format!(
                "--shard env/N: none of {} is set",
                INDEX_VARIABLES.join(", ")
            )
        })
}

/// What a shard records beside its rows (`shard.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ShardInfo {
    /// The amisim that wrote it: aggregates merge exactly only between the same code.
    pub amisim_version: String,
    /// SHA-256 of the scenario file's bytes.
    pub scenario_sha256: String,
    /// Master seed.
    pub seed: u64,
    /// Which slice.
    pub shard: u64,
    /// How many slices.
    pub shards: u64,
    /// Its first replication.
    pub first_replication: u64,
    /// Its replications.
    pub replications: u64,
    /// The whole run's replications.
    pub total_replications: u64,
    /// Its row files.
    pub rows: RowSelection,
    /// The replications (from 0) whose rows the row files hold; `None`
    /// for every one (written by an amisim before row budgets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_replications: Option<u64>,
    /// Every file it wrote beside this record, with its length and SHA-256:
    /// `merge` refuses a shard whose files changed since.
    pub files: Vec<FileDigest>,
}

/// A file's name, length and SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FileDigest {
    /// Its name in the shard's directory.
    pub name: String,
    /// Its length in bytes.
    pub bytes: u64,
    /// Its SHA-256, in hex.
    pub sha256: String,
}

/// The digest of `dir/name`, read in blocks.
pub(crate) fn digest(dir: &std::path::Path, name: &str) -> std::io::Result<FileDigest> {
    use sha2::{Digest, Sha256};
    use std::io::Read as _;
    let mut f = std::fs::File::open(dir.join(name))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut bytes = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        h.update(&buf[..n]);
    }
    let sha256 = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok(FileDigest {
        name: name.to_string(),
        bytes,
        sha256,
    })
}

/// Checks the files of the shard in `dir` against what `info` recorded
/// (its row files too when `with_rows`); `Err` names the file and what differs.
pub(crate) fn verify(
    info: &ShardInfo,
    dir: &std::path::Path,
    with_rows: bool,
) -> Result<(), String> {
    let mut want: Vec<&str> = if with_rows {
        info.rows.files()
    } else {
        Vec::new()
    };
    want.push(super::outputs::SHARD_AGGREGATE.name);
    for name in want {
        let Some(rec) = info.files.iter().find(|f| f.name == name) else {
            return Err(format!("{name} is not in its shard.json"));
        };
        let got = digest(dir, name).map_err(|e| format!("{name}: {e}"))?;
        if got.bytes != rec.bytes {
            return Err(format!(
                "{name} is {} bytes, and the shard wrote {} ({})",
                got.bytes,
                rec.bytes,
                if got.bytes < rec.bytes {
                    "truncated"
                } else {
                    "extended"
                }
            ));
        }
        if got.sha256 != rec.sha256 {
            return Err(format!(
                "{name} changed since the shard wrote it (SHA-256 {} ≠ {})",
                got.sha256, rec.sha256
            ));
        }
    }
    Ok(())
}

/// The run that a set of shards forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Merged {
    /// Master seed.
    pub seed: u64,
    /// How many shards.
    pub shards: u64,
    /// The row files every shard wrote.
    pub rows: RowSelection,
    /// The replications (from 0) with rows.
    pub row_replications: Option<u64>,
}

/// Checks that `shards` (any order; each named by `label` in messages) ran
/// this amisim on `scenario` (its file name and SHA-256) and form one run: shards
/// `0..N` of one seed and replication count, with the same row files.
/// Sorts them by first replication.
pub(crate) fn check_merge<T>(
    shards: &mut [(ShardInfo, T)],
    (scenario, sha256): (&str, &str),
    label: impl Fn(&T) -> String,
) -> Result<Merged, String> {
    let version = env!("CARGO_PKG_VERSION");
    for (info, t) in shards.iter() {
        if info.amisim_version != version {
            return Err(format!(
                "{} was written by amisim {}, this is amisim {version}: run every shard and the merge with one version",
                label(t),
                info.amisim_version,
            ));
        }
        if info.scenario_sha256 != sha256 {
            return Err(format!(
                "{} ran another version of {scenario} (SHA-256 {} ≠ {sha256})",
                label(t),
                info.scenario_sha256,
            ));
        }
    }
    // Empty shards share their first replication with the next: the index decides.
    shards.sort_by_key(|(i, _)| (i.first_replication, i.shard));
    let Some((s0, _)) = shards.first() else {
        return Err("no shard to merge".into());
    };
    let (seed, n, total, rows) = (s0.seed, s0.shards, s0.total_replications, s0.rows);
    let ks: Vec<u64> = shards.iter().map(|(i, _)| i.shard).collect();
    if shards
        .iter()
        .any(|(i, _)| i.seed != seed || i.shards != n || i.total_replications != total)
        || !ks.iter().copied().eq(0..n)
    {
        return Err(format!(
            "the shards do not form one run: need shards 0..{n} of the same seed and replication count, got {ks:?}"
        ));
    }
    if shards.iter().any(|(i, _)| i.rows != rows) {
        return Err("the shards wrote different row files (--rows); run them alike".into());
    }
    let row_replications = s0.row_replications;
    if shards
        .iter()
        .any(|(i, _)| i.row_replications != row_replications)
    {
        return Err(
            "the shards wrote rows for different replications (--row-replications); run them alike"
                .into(),
        );
    }
    Ok(Merged {
        seed,
        shards: n,
        rows,
        row_replications,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn shards_cover_every_replication_once_even_at_the_largest_counts() {
        for (total, n) in [(10, 3), (2, 3), (1, 1), (u64::MAX, 7), (u64::MAX, u64::MAX)] {
            let mut next = 0u64;
            let ks: Box<dyn Iterator<Item = u64>> = if n > 1000 {
                Box::new([0, 1, n - 2, n - 1].into_iter())
            } else {
                Box::new(0..n)
            };
            for k in ks {
                let (first, count) = Shard { k, n }.range(total);
                if n <= 1000 {
                    assert_eq!(first, next, "contiguous");
                }
                next = first + count;
            }
            assert_eq!(next, total);
        }
    }

    #[test]
    fn k_over_n_is_parsed_from_the_text_or_the_batch_engine() {
        assert_eq!(Shard::parse("1/3", no_env), Ok(Shard { k: 1, n: 3 }));
        assert!(
            Shard::parse("3/3", no_env)
                .unwrap_err()
                .contains("K must be below N")
        );
        assert!(
            Shard::parse("0/0", no_env)
                .unwrap_err()
                .contains("positive")
        );
        let slurm = |v: &str| match v {
            "SLURM_ARRAY_TASK_ID" => Some("12".to_string()),
            "SLURM_ARRAY_TASK_MIN" => Some("10".to_string()),
            _ => None,
        };
        assert_eq!(Shard::parse("env/4", slurm), Ok(Shard { k: 2, n: 4 }));
        let k8s = |v: &str| (v == "JOB_COMPLETION_INDEX").then(|| "3".to_string());
        assert_eq!(Shard::parse("env/4", k8s), Ok(Shard { k: 3, n: 4 }));
        assert!(
            Shard::parse("env/4", no_env)
                .unwrap_err()
                .contains("SLURM_ARRAY_TASK_ID")
        );
    }

    #[test]
    fn only_a_whole_run_of_alike_shards_merges() {
        let info = |k: u64, rows: RowSelection| ShardInfo {
            amisim_version: env!("CARGO_PKG_VERSION").into(),
            scenario_sha256: "abc".into(),
            seed: 1,
            shard: k,
            shards: 2,
            first_replication: k * 5,
            replications: 5,
            total_replications: 10,
            rows,
            row_replications: None,
            files: Vec::new(),
        };
        let label = |s: &&str| s.to_string();
        let mut ok = vec![
            (info(1, RowSelection::All), "b"),
            (info(0, RowSelection::All), "a"),
        ];
        assert!(check_merge(&mut ok, ("s.toml", "abc"), label).is_ok());
        assert_eq!(ok[0].1, "a", "sorted");
        let mut missing = vec![(info(0, RowSelection::All), "a")];
        assert!(
            check_merge(&mut missing, ("s.toml", "abc"), label)
                .unwrap_err()
                .contains("0..2")
        );
        let mut rows = vec![
            (info(0, RowSelection::All), "a"),
            (info(1, RowSelection::Runs), "b"),
        ];
        assert!(
            check_merge(&mut rows, ("s.toml", "abc"), label)
                .unwrap_err()
                .contains("--rows")
        );
        let mut other = vec![(info(0, RowSelection::All), "a")];
        assert!(
            check_merge(&mut other, ("s.toml", "xyz"), label)
                .unwrap_err()
                .starts_with("a ran another")
        );
    }
}
