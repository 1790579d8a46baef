//! MatchingWorker: turns a wanted track into the right file. Jobs (rows in
//! `worker_jobs`, committed with the state change that needs them):
//! `search` searches Soulseek through the search scheduler (with fallback
//! queries when a search leaves nothing acceptable), ranks the candidates
//! with the matching engine, stores them and chooses; `choose` takes the
//! next acceptable candidate of the stored list after a failed transfer or a
//! rejection. Choosing creates the download (with its submit job) for the
//! sync worker, or leaves the track `not_found` until its next search.

use crate::domain::ids::WantedId;
use std::collections::HashSet;
use std::time::Duration;

use crate::actors::logic::{JobError, JobMeta, WorkFuture, WorkerEnv, WorkerLogic};
use crate::actors::search_scheduler::SearchError;
use crate::db::wanted::{self as wanted_rows, StoredCandidate};
use crate::db::DbError;
use crate::domain::matching::{
    rank, search_queries, Candidate, Preferences, RankContext, Ranking, Refusal, TrackQuery,
};
use crate::domain::time::now_millis;
use crate::domain::workers::backoff::doubling_delay;
use crate::integrations::slskd::to_candidates;
use crate::jobs::MatchingJob;
use crate::lifecycle::wanted::{self, Choice};

/// Searches asked for at once: the scheduler serialises their creation,
/// runs `SEARCH_MAX_CONCURRENT` of them and keeps the network's budget; the
/// rest wait their turn there (a shutdown answers them at once).
const CONCURRENCY: usize = 4;

#[derive(Default)]
pub struct MatchingWorker;

fn db_error(e: DbError) -> JobError {
    JobError::Retry(e.to_string())
}

impl WorkerLogic for MatchingWorker {
    type Job = MatchingJob;

    fn concurrency(&self, _config: &crate::config::Config) -> usize {
        CONCURRENCY
    }

    fn run_job(
        &mut self,
        env: &WorkerEnv,
        job: MatchingJob,
        _meta: JobMeta,
    ) -> WorkFuture<Result<(), JobError>> {
        let env = env.clone();
        Box::pin(async move {
            let id = job.wanted_id();
            match job {
                MatchingJob::Search { .. } => search_until_current(&env, id).await,
                MatchingJob::Choose { .. } => choose(&env, id).await,
            }
        })
    }

    fn retry_delay(&self, _job: &MatchingJob, attempt: u32) -> Duration {
        doubling_delay(attempt, Duration::from_secs(10), Duration::from_secs(600))
    }

    /// Wanted tracks waiting for or in a search.
    fn queue_size(&self, env: &WorkerEnv) -> WorkFuture<Result<Option<u64>, DbError>> {
        let db = env.db.clone();
        Box::pin(async move {
            let n = db.read(wanted_rows::count_to_search).await?;
            Ok(Some(u64::try_from(n).unwrap_or(0)))
        })
    }
}

/// The track's blocklist and the users seen failing, for the engine.
async fn rank_context(env: &WorkerEnv, id: WantedId) -> Result<RankContext, JobError> {
    env.db
        .read(move |c| {
            let now = now_millis();
            let excluded = wanted_rows::rejections(c, id)?
                .into_iter()
                .filter_map(|r| Refusal::parse(&r.reason).map(|why| (r.username, r.filename, why)))
                .collect();
            Ok(RankContext {
                excluded,
                penalized_users: wanted_rows::penalized_users(c, now)?,
            })
        })
        .await
        .map_err(db_error)
}

/// Ranking thousands of candidates takes milliseconds of CPU: it runs on the
/// blocking pool, not on the worker's thread.
async fn rank_off_thread(
    track: &TrackQuery,
    candidates: Vec<Candidate>,
    prefs: &Preferences,
    context: &RankContext,
) -> Result<(Vec<Candidate>, Ranking), JobError> {
    let (track, prefs, context) = (track.clone(), prefs.clone(), context.clone());
    actix_web::web::block(move || {
        let ranking = rank(&track, &candidates, &prefs, &context);
        (candidates, ranking)
    })
    .await
    .map_err(|e| JobError::Retry(format!("ranking failed: {e}")))
}

/// A person may edit the track's own query while its search runs: their
/// request joins the running job (one search job per track), so the job
/// searches again with the new text, a few times at most.
async fn search_until_current(env: &WorkerEnv, id: WantedId) -> Result<(), JobError> {
    for _ in 0..3 {
        let Some(used) = search(env, id).await? else {
            return Ok(());
        };
        let current = env
            .db
            .read(move |c| wanted_rows::get(c, id))
            .await
            .map_err(db_error)?
            .search_query;
        if current == used {
            return Ok(());
        }
    }
    Ok(())
}

/// One search; `Some(own query it searched with)` when it ran.
async fn search(env: &WorkerEnv, id: WantedId) -> Result<Option<Option<String>>, JobError> {
    let Some(row) = env
        .lifecycle
        .change(move |c| wanted::begin_search(c, id))
        .await
        .map_err(db_error)?
    else {
        return Ok(None);
    };
    let own_query = row.search_query.clone();
    let config = env.config.current();
    let prefs = config.match_preferences();
    let track = row.query();
    let context = rank_context(env, id).await?;

    let mut candidates: Vec<Candidate> = Vec::new();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut used: Vec<String> = Vec::new();
    let mut ranking = Ranking {
        best: None,
        candidates: Vec::new(),
    };
    // A person's own search text replaces the derived queries; otherwise
    // fallback queries only while nothing acceptable has been found.
    let queries = match &row.search_query {
        Some(own) => vec![own.clone()],
        None => search_queries(&track),
    };
    for query in queries {
        match env.searches.search(query.clone()).await {
            Ok(results) => {
                for candidate in to_candidates(&results.responses) {
                    if seen.insert((candidate.username.clone(), candidate.filename.clone())) {
                        candidates.push(candidate);
                    }
                }
                used.push(query);
                let ranked;
                (candidates, ranked) =
                    rank_off_thread(&track, candidates, &prefs, &context).await?;
                ranking = ranked;
                if ranking.best.is_some() {
                    break;
                }
            }
            Err(SearchError::BadQuery(reason)) => {
                tracing::debug!(wanted = %id, query = %query, reason = %reason, "slskd refused the query");
            }
            Err(e) if used.is_empty() => {
                let error = e.to_string();
                tracing::warn!(wanted = %id, error = %error, "search failed; will try again");
                let message = error.clone();
                env.lifecycle
                    .change(move |c| wanted::search_failed(c, id, &message))
                    .await
                    .map_err(db_error)?;
                return Err(JobError::Retry(error));
            }
            // Later fallbacks failing: decide with what the earlier ones found.
            Err(e) => {
                tracing::warn!(wanted = %id, error = %e, "fallback search failed");
                break;
            }
        }
    }
    tracing::debug!(
        wanted = %id,
        queries = used.len(),
        candidates = candidates.len(),
        best = ?ranking.best,
        "search ranked"
    );

    let schedule = config.search_retry_schedule.clone();
    let defaults = config.download_defaults();
    let choice = env
        .lifecycle
        .change(move |c| {
            let stored: Vec<StoredCandidate<'_>> = ranking
                .candidates
                .iter()
                .filter_map(|s| {
                    candidates.get(s.index).map(|candidate| StoredCandidate {
                        candidate,
                        score: s.score,
                        accepted: s.accepted,
                        rejected_by: &s.rejected_by,
                        components: &s.components,
                    })
                })
                .collect();
            if !wanted::store_search(c, id, &stored, &used)? {
                return Ok(Choice::Nothing);
            }
            wanted::choose(c, id, &schedule, defaults)
        })
        .await
        .map_err(db_error)?;
    log_choice(id, &choice);
    Ok(Some(own_query))
}

async fn choose(env: &WorkerEnv, id: WantedId) -> Result<(), JobError> {
    let config = env.config.current();
    let schedule = config.search_retry_schedule.clone();
    let defaults = config.download_defaults();
    let choice = env
        .lifecycle
        .change(move |c| wanted::choose(c, id, &schedule, defaults))
        .await
        .map_err(db_error)?;
    log_choice(id, &choice);
    Ok(())
}

fn log_choice(id: WantedId, choice: &Choice) {
    match choice {
        Choice::Downloading { download_id } => {
            tracing::info!(wanted = %id, download = %download_id, "candidate chosen");
        }
        Choice::NotFound { next_search_at } => {
            tracing::info!(wanted = %id, next_search_at, "nothing acceptable found");
        }
        Choice::Failed => tracing::info!(wanted = %id, "nothing found; given up"),
        Choice::Nothing => {}
    }
}
