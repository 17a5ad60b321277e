//! The SQLite store's writer thread: the one connection, and commits shared by every operation
//! waiting when a transaction starts.

use std::sync::mpsc;

use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::store::StoreError;

/// The most jobs one transaction commits.
const MAX_BATCH: usize = 128;

/// Work for the writer thread.
enum Job {
    /// Statements to run in the next batch's transaction. `durable`: the batch's commit must
    /// reach the disk before it is answered, even if the store normally lets it wait.
    Batched { work: Work, durable: bool },
    /// Every commit from now on reaches the disk before it is answered.
    SyncEveryCommit(Work),
}

/// Runs statements on the connection (`None`: their transaction could not begin, so they do not
/// run) and returns what to do once the transaction's fate is known: with `Ok` when it
/// committed, with the reason when it did not.
type Work = Box<dyn FnOnce(Option<&Connection>) -> Reply + Send>;
type Reply = Box<dyn FnOnce(Result<(), String>) + Send>;

/// A handle on the writer thread; the thread ends when every handle is dropped.
#[derive(Debug, Clone)]
pub(super) struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the thread that owns `connection`.
    pub(super) fn start(connection: Connection) -> Result<Self, StoreError> {
        let (jobs, queue) = mpsc::channel();
        std::thread::Builder::new()
            .name("steppay-sqlite".to_owned())
            .spawn(move || run(&connection, &queue))
            .map_err(|error| StoreError::Unavailable(Box::new(error)))?;
        Ok(Self { jobs })
    }

    /// Runs `work` in the next transaction, and answers once it committed (on the disk too, when
    /// `durable`).
    pub(super) async fn run<T: Send + 'static>(
        &self,
        durable: bool,
        work: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (work, answered) = job(work);
        self.jobs.send(Job::Batched { work, durable }).map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }

    /// Makes every later commit wait for the disk (`synchronous = FULL`).
    pub(super) async fn sync_every_commit(&self) -> Result<(), StoreError> {
        let (work, answered) =
            job(|connection| connection.execute_batch("PRAGMA synchronous = FULL;"));
        self.jobs.send(Job::SyncEveryCommit(work)).map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }
}

/// `work` as a job, and where its answer arrives.
fn job<T: Send + 'static>(
    work: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
) -> (Work, oneshot::Receiver<Result<T, StoreError>>) {
    let (answer, answered) = oneshot::channel();
    let work: Work = Box::new(move |connection| {
        let result = connection.map(work);
        Box::new(move |committed: Result<(), String>| {
            let _ = answer.send(match (result, committed) {
                (Some(Ok(value)), Ok(())) => Ok(value),
                (Some(Err(error)), _) => Err(StoreError::Unavailable(Box::new(error))),
                (_, Err(why)) => Err(StoreError::Unavailable(why.into())),
                (None, Ok(())) => Err(StoreError::Unavailable("not run".into())),
            });
        })
    });
    (work, answered)
}

fn stopped() -> StoreError {
    StoreError::Unavailable("the SQLite store's writer thread has stopped".into())
}

/// The thread: takes every job waiting (up to [`MAX_BATCH`]) and runs them in one
/// `BEGIN IMMEDIATE` transaction, so that concurrent deliveries share one commit. A job is
/// answered only once its transaction committed. Ends when the store is dropped.
fn run(connection: &Connection, queue: &mpsc::Receiver<Job>) {
    let mut sync_every_commit = false;
    let mut next = queue.recv().ok();
    while let Some(job) = next.take() {
        let (first, mut durable) = match job {
            Job::SyncEveryCommit(work) => {
                sync_every_commit = true;
                work(Some(connection))(Ok(()));
                next = queue.recv().ok();
                continue;
            }
            Job::Batched { work, durable } => (work, durable),
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(Job::Batched { work, durable: also }) => {
                    batch.push(work);
                    durable |= also;
                }
                Ok(other) => {
                    next = Some(other);
                    break;
                }
                Err(_) => break,
            }
        }
        // In WAL mode with `synchronous = NORMAL` a commit survives the process but may be lost
        // with the power; a batch that holds a durable job syncs its commit as FULL does.
        let sync_this_one = durable && !sync_every_commit;
        if sync_this_one {
            let _ = connection.execute_batch("PRAGMA synchronous = FULL;");
        }
        commit(connection, batch);
        if sync_this_one {
            let _ = connection.execute_batch("PRAGMA synchronous = NORMAL;");
        }
        if next.is_none() {
            next = queue.recv().ok();
        }
    }
}

/// Runs `batch` in one transaction and answers every job with its outcome.
fn commit(connection: &Connection, batch: Vec<Work>) {
    // The write lock first, so that the claims and the reads that explain refusals see the same
    // rows, even with other processes on the file.
    if let Err(error) = connection.execute_batch("BEGIN IMMEDIATE") {
        let why = format!("could not begin a transaction: {error}");
        for work in batch {
            work(None)(Err(why.clone()));
        }
        return;
    }
    let mut replies = Vec::with_capacity(batch.len());
    let mut rolled_back = false;
    for work in batch {
        // Once SQLite has rolled the transaction back (a full disk, say), nothing more runs in
        // it: each later job is answered with the failure, unrun.
        replies.push(work(if rolled_back { None } else { Some(connection) }));
        rolled_back = rolled_back || connection.is_autocommit();
    }
    let committed = if rolled_back {
        Err("SQLite rolled the transaction back".to_owned())
    } else {
        connection.execute_batch("COMMIT").map_err(|error| error.to_string())
    };
    if committed.is_err() && !connection.is_autocommit() {
        let _ = connection.execute_batch("ROLLBACK");
    }
    for reply in replies {
        reply(committed.clone());
    }
}
