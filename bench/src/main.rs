//! Benchmark harness run by `cargo xtask bench` (release build). Each mode
//! prints `key=value` lines that the xtask collects into BENCHMARKS.md.
//!
//! ```text
//! avara-bench client-overhead [--rounds N] [--batch N]
//! avara-bench serve-seeded --orgs N
//! avara-bench pager-memory --base-url URL --expect N
//! ```

use std::process::ExitCode;
use std::time::{Duration, Instant};

use avara::types::{Org, OrgListPage};
use futures::TryStreamExt;
use reqwest::header::{ACCEPT, USER_AGENT};
use tokio::io::AsyncReadExt;

const API_KEY: &str = "sk_test_bench";

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| -> Option<String> {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let number = |name: &str, default: usize| -> Result<usize, String> {
        match flag(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| format!("{name}: `{v}` is not a number")),
        }
    };
    let result = match args.first().map(String::as_str) {
        Some("client-overhead") => match (number("--rounds", 41), number("--batch", 200)) {
            (Ok(rounds), Ok(batch)) => client_overhead(rounds, batch).await,
            (Err(e), _) | (_, Err(e)) => Err(e),
        },
        Some("serve-seeded") => match number("--orgs", 100_000) {
            Ok(orgs) => serve_seeded(orgs).await,
            Err(e) => Err(e),
        },
        Some("pager-memory") => match (flag("--base-url"), number("--expect", 0)) {
            (Some(url), Ok(expect)) => pager_memory(&url, expect).await,
            (None, _) => Err("pager-memory needs --base-url".into()),
            (_, Err(e)) => Err(e),
        },
        _ => Err("usage: avara-bench client-overhead|serve-seeded|pager-memory [options]".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("avara-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

type Result<T, E = String> = std::result::Result<T, E>;

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// The same requests through the SDK and through hand-written reqwest calls
/// decoding into the same types, against one in-process avara-mock,
/// interleaved batch by batch after a warm-up. The hand-written calls send
/// what the SDK sends (bearer token, `Accept`, `User-Agent`, a per-request
/// timeout), so the ratio measures the SDK's own work, not a different request.
async fn client_overhead(rounds: usize, batch: usize) -> Result<()> {
    let mock = avara_mock::spawn().await.map_err(err)?;
    seed_orgs(&mock, 100, "Bench")?;
    let base = mock.base_url();
    let sdk = avara::Client::builder()
        .api_key(API_KEY)
        .base_url(&base)
        .build()
        .map_err(err)?;
    let raw = avara::http_client_builder().unwrap().build().unwrap();
    let first = sdk.orgs_list().limit(1u32).await.map_err(err)?;
    let org_id = first.organizations[0].org_id.clone();

    let sdk_retrieve = || async {
        sdk.orgs_retrieve()
            .org_id(org_id.clone())
            .await
            .map_err(err)
            .map(drop)
    };
    let raw_retrieve = || async {
        // As a hand-written call would: the URL formatted per request.
        let request = raw.get(format!("{base}/v1/orgs/{}", org_id.as_str()));
        std::hint::black_box(raw_call::<Org>(request).await?);
        Ok::<_, String>(())
    };
    let sdk_list = || async { sdk.orgs_list().limit(100u32).await.map_err(err).map(drop) };
    let raw_list = || async {
        let request = raw.get(format!("{base}/v1/orgs")).query(&[("limit", 100)]);
        std::hint::black_box(raw_call::<OrgListPage>(request).await?);
        Ok::<_, String>(())
    };

    // Warm-up: connections, allocator, caches.
    for _ in 0..200 {
        sdk_retrieve().await?;
        raw_retrieve().await?;
        sdk_list().await?;
        raw_list().await?;
    }
    let mut times = [Duration::ZERO; 4];
    // Throughput ratio (SDK / raw) of each round, per operation: the median
    // of these is robust to a stall that hits one batch of one side.
    let mut round_ratios: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    for round in 0..rounds {
        // Alternate which side goes first so neither always runs warmer.
        let order: [usize; 4] = if round % 2 == 0 {
            [0, 1, 2, 3]
        } else {
            [1, 0, 3, 2]
        };
        let mut this_round = [Duration::ZERO; 4];
        for which in order {
            let started = Instant::now();
            for _ in 0..batch {
                match which {
                    0 => sdk_retrieve().await?,
                    1 => raw_retrieve().await?,
                    2 => sdk_list().await?,
                    _ => raw_list().await?,
                }
            }
            this_round[which] = started.elapsed();
            times[which] += this_round[which];
        }
        round_ratios[0].push(this_round[1].as_secs_f64() / this_round[0].as_secs_f64());
        round_ratios[1].push(this_round[3].as_secs_f64() / this_round[2].as_secs_f64());
    }
    let n = (rounds * batch) as f64;
    let rate = |d: Duration| n / d.as_secs_f64();
    let median = |ratios: &mut Vec<f64>| {
        ratios.sort_by(f64::total_cmp);
        ratios[ratios.len() / 2]
    };
    println!("requests_per_side={}", rounds * batch);
    println!("retrieve_sdk_rps={:.0}", rate(times[0]));
    println!("retrieve_raw_rps={:.0}", rate(times[1]));
    println!("retrieve_ratio={:.3}", median(&mut round_ratios[0]));
    println!("list100_sdk_rps={:.0}", rate(times[2]));
    println!("list100_raw_rps={:.0}", rate(times[3]));
    println!("list100_ratio={:.3}", median(&mut round_ratios[1]));
    Ok(())
}

/// A hand-written call: what the SDK sends (bearer token, `Accept`,
/// `User-Agent`, a per-request timeout), decoded into the same type.
async fn raw_call<T: serde::de::DeserializeOwned>(request: reqwest::RequestBuilder) -> Result<T> {
    request
        .bearer_auth(API_KEY)
        .header(ACCEPT, "application/json")
        .header(USER_AGENT, avara::USER_AGENT)
        .timeout(avara::DEFAULT_TIMEOUT)
        .send()
        .await
        .map_err(err)?
        .error_for_status()
        .map_err(err)?
        .json()
        .await
        .map_err(err)
}

/// Serves an avara-mock holding `orgs` organizations until stdin closes.
async fn serve_seeded(orgs: usize) -> Result<()> {
    let mock = avara_mock::spawn().await.map_err(err)?;
    seed_orgs(&mock, orgs, "Bench org")?;
    println!("avara-mock listening on {}", mock.base_url());
    let mut sink = Vec::new();
    tokio::io::stdin()
        .read_to_end(&mut sink)
        .await
        .map_err(err)?;
    Ok(())
}

/// Puts `count` organizations named `{prefix} {n}` into the mock directly.
fn seed_orgs(mock: &avara_mock::MockServer, count: usize, prefix: &str) -> Result<()> {
    let items = (0..count).map(|n| serde_json::json!({ "orgName": format!("{prefix} {n}") }));
    mock.seed("/v1/orgs", items).map(drop)
}

/// This process's resident set size and its peak, in KiB, from /proc.
fn rss_kib() -> Result<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").map_err(err)?;
    let field = |name: &str| -> Result<u64> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .ok_or_else(|| format!("no {name} in /proc/self/status"))
    };
    Ok((field("VmRSS:")?, field("VmHWM:")?))
}

/// Streams every organization through the auto-pager (pages of 100) and
/// reports how far the peak RSS grew beyond what one page needed.
async fn pager_memory(base_url: &str, expect: usize) -> Result<()> {
    let client = avara::Client::builder()
        .api_key(API_KEY)
        .base_url(base_url)
        .build()
        .map_err(err)?;
    let (rss_start, _) = rss_kib()?;
    let mut stream = client.orgs_list().limit(100u32).stream();
    let mut count = 0usize;
    let mut after_first_page = None;
    let started = Instant::now();
    while let Some(org) = stream.try_next().await.map_err(err)? {
        count += 1;
        std::hint::black_box(&org);
        if count == 100 {
            after_first_page = Some(rss_kib()?.1);
        }
    }
    let elapsed = started.elapsed();
    let (_, peak_end) = rss_kib()?;
    let after_first_page = after_first_page.ok_or("fewer than 100 organizations")?;
    if expect > 0 && count != expect {
        return Err(format!("streamed {count} organizations, expected {expect}"));
    }
    println!("orgs_streamed={count}");
    println!("seconds={:.2}", elapsed.as_secs_f64());
    println!("rss_start_kib={rss_start}");
    println!("peak_after_first_page_kib={after_first_page}");
    println!("peak_end_kib={peak_end}");
    println!(
        "peak_growth_over_one_page_kib={}",
        peak_end.saturating_sub(after_first_page)
    );
    Ok(())
}
