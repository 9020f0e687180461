/*
 * The state store behind handlers/state.h: SQLite (WAL, a busy timeout,
 * so mod_fcgid's many processes and lighttpd's max-procs share one file)
 * or Redis (hiredis).  Each operation is one statement or one command, so
 * it is atomic across processes without explicit transactions.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <sqlite3.h>

#include "handlers/state.h"
#include "policy/statespec.h"
#include "policy/xalloc.h"

/*
 * Waits for another process's write lock before giving up: in short
 * naps, since a write holds the lock for tens of microseconds.
 * SQLite's own busy timeout naps 1 ms at first and then up to 100 ms,
 * which under a load of small writes from several processes cost more
 * than half the requests per second (make bench, keys-file rows).
 */
#define SQLITE_BUSY_MS		5000
#define SQLITE_BUSY_NAP_US	50
/* Redis connect and command timeouts. */
#define REDIS_TIMEOUT_MS	1000
/* After a failure, the store is tried again no sooner than this. */
#define RETRY_AFTER_S		1
/* Expired rows are swept every this many writes through one handle. */
#define SWEEP_EVERY		256
/* Redis keys get this prefix, so the relay can share a database. */
#define REDIS_PREFIX		"relay:"

enum stmt {
	STMT_PUT,
	STMT_GET,
	STMT_TAKE,
	STMT_DELETE,
	STMT_ADD,
	STMT_SWEEP_KV,
	STMT_SWEEP_COUNTERS,
	STMT_LEASE_TAKE,
	STMT_LEASE_RENEW,
	STMT_LEASE_DROP,
	STMT_LEASE_COUNT,
	STMT_SWEEP_LEASES,
	STMT_USAGE_ADD,
	STMT_USAGE_LIST,
	STMT_USAGE_TOKENS,
	STMT__MAX
};

static const char *const sql_text[STMT__MAX] = {
	[STMT_PUT] = "INSERT OR REPLACE INTO kv (k, v, expires) "
	    "VALUES (?1, ?2, ?3)",
	[STMT_GET] = "SELECT v FROM kv WHERE k = ?1 AND "
	    "(expires = 0 OR expires > ?2)",
	[STMT_TAKE] = "DELETE FROM kv WHERE k = ?1 AND "
	    "(expires = 0 OR expires > ?2) RETURNING v",
	[STMT_DELETE] = "DELETE FROM kv WHERE k = ?1",
	/* An expired counter restarts from delta with a new window. */
	[STMT_ADD] = "INSERT INTO counters (k, n, expires) "
	    "VALUES (?1, ?2, ?3) ON CONFLICT (k) DO UPDATE SET "
	    "n = CASE WHEN expires != 0 AND expires <= ?4 "
	    "THEN excluded.n ELSE n + excluded.n END, "
	    "expires = CASE WHEN expires != 0 AND expires <= ?4 "
	    "THEN excluded.expires ELSE expires END "
	    "RETURNING n",
	[STMT_SWEEP_KV] = "DELETE FROM kv WHERE expires != 0 AND "
	    "expires <= ?1",
	[STMT_SWEEP_COUNTERS] = "DELETE FROM counters WHERE expires != 0 "
	    "AND expires <= ?1",
	/* One statement: the count and the insert are atomic. */
	[STMT_LEASE_TAKE] = "INSERT INTO leases (k, holder, expires) "
	    "SELECT ?1, ?2, ?3 WHERE (SELECT COUNT(*) FROM leases "
	    "WHERE k = ?1 AND expires > ?4) < ?5",
	[STMT_LEASE_RENEW] = "UPDATE leases SET expires = ?3 "
	    "WHERE k = ?1 AND holder = ?2",
	[STMT_LEASE_DROP] = "DELETE FROM leases WHERE k = ?1 AND holder = ?2",
	[STMT_LEASE_COUNT] = "SELECT COUNT(*) FROM leases "
	    "WHERE k = ?1 AND expires > ?2",
	[STMT_SWEEP_LEASES] = "DELETE FROM leases WHERE expires <= ?1",
	[STMT_USAGE_ADD] = "INSERT INTO usage VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
	    "?7, ?8, ?9, ?10, ?11) ON CONFLICT (day, key, model) DO UPDATE SET "
	    "requests = requests + excluded.requests, "
	    "errors = errors + excluded.errors, "
	    "incomplete = incomplete + excluded.incomplete, "
	    "input_tokens = input_tokens + excluded.input_tokens, "
	    "output_tokens = output_tokens + excluded.output_tokens, "
	    "total_tokens = total_tokens + excluded.total_tokens, "
	    "cached_tokens = cached_tokens + excluded.cached_tokens, "
	    "reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens",
	[STMT_USAGE_LIST] = "SELECT * FROM usage WHERE day >= ?1 AND "
	    "day <= ?2 AND (?3 IS NULL OR key = ?3) ORDER BY day, key, model",
	[STMT_USAGE_TOKENS] = "SELECT COALESCE(SUM(total_tokens), 0) FROM "
	    "usage WHERE day = ?1 AND key = ?2",
};

static const char SCHEMA[] =
    "PRAGMA synchronous = NORMAL;"
    "CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v BLOB NOT NULL, "
    "expires INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS kv_expires ON kv (expires);"
    "CREATE TABLE IF NOT EXISTS counters (k TEXT PRIMARY KEY, "
    "n INTEGER NOT NULL, expires INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS counters_expires ON counters (expires);"
    "CREATE TABLE IF NOT EXISTS leases (k TEXT NOT NULL, "
    "holder TEXT NOT NULL, expires INTEGER NOT NULL, "
    "PRIMARY KEY (k, holder)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS usage (day TEXT NOT NULL, key TEXT NOT NULL, "
    "model TEXT NOT NULL, requests INTEGER NOT NULL, errors INTEGER NOT NULL, "
    "incomplete INTEGER NOT NULL, input_tokens INTEGER NOT NULL, "
    "output_tokens INTEGER NOT NULL, total_tokens INTEGER NOT NULL, "
    "cached_tokens INTEGER NOT NULL, reasoning_tokens INTEGER NOT NULL, "
    "PRIMARY KEY (day, key, model)) WITHOUT ROWID;";

/*
 * Increments a counter and starts its window when it has none, in one
 * step: INCRBY then EXPIRE would leave a counter without expiry if the
 * relay died between them.
 */
static const char REDIS_ADD[] =
    "local n = redis.call('INCRBY', KEYS[1], ARGV[1]) "
    "if tonumber(ARGV[2]) > 0 and redis.call('TTL', KEYS[1]) < 0 then "
    "redis.call('EXPIRE', KEYS[1], ARGV[2]) end return n";

/*
 * A lease set is a sorted set (KEYS[1]) of holders scored by when their
 * lease runs out.  Taking one drops the leases that ran out, then adds
 * the holder if fewer than the limit are left.  ARGV: now, the new
 * lease's end, the holder, the limit, and a TTL for the whole set (it
 * goes once no lease in it can be running).
 */
static const char REDIS_LEASE_TAKE[] =
    "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1]) "
    "if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end "
    "redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3]) "
    "redis.call('EXPIRE', KEYS[1], ARGV[5]) return 1";

/* Renewing: a later end for a holder already in (ARGV: end, holder, TTL). */
static const char REDIS_LEASE_RENEW[] =
    "redis.call('ZADD', KEYS[1], 'XX', ARGV[1], ARGV[2]) "
    "redis.call('EXPIRE', KEYS[1], ARGV[3]) return 1";

/*
 * A usage row is a hash (KEYS[1]) of the fields of policy/usage.h, and
 * its name is kept in an index set (KEYS[2]) for listing: both in one
 * step.  ARGV: the row's name, then field and amount pairs.
 */
static const char REDIS_USAGE_ADD[] =
    "for i = 2, #ARGV, 2 do "
    "redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) "
    "if ARGV[i] == 'total_tokens' then "
    "redis.call('INCRBY', KEYS[3], ARGV[i + 1]) end end "
    "redis.call('SADD', KEYS[2], ARGV[1]) return 1";

/*
 * Usage rows are named "DAY KEY MODEL", under this prefix; the tokens of
 * a key's day, in all models, are a counter named "DAY KEY".
 */
#define REDIS_USAGE_ROW		"usage:"
#define REDIS_USAGE_INDEX	"usage-index"
#define REDIS_USAGE_TOKENS	"usage-tokens:"

struct state {
	enum state_backend backend;
	char		*path;		/* SQLite file */
	char		*host;		/* Redis */
	int		 port;
	int		 db;
	sqlite3		*sqlite;
	sqlite3_stmt	*stmts[STMT__MAX];
	redisContext	*redis;
	time_t		 failed_at;	/* last failure; 0 if none */
	unsigned	 writes;
};

struct state *
state_new(const char *spec)
{
	struct state		*st = xcalloc(1, sizeof(*st));
	struct state_spec	 parsed;
	char			 err[128];

	if (!state_spec_parse(spec, &parsed, err, sizeof(err))) {
		/* Callers pass specs the settings have checked. */
		fprintf(stderr, "relay: %s\n", err);
		abort();
	}
	st->backend = parsed.backend;
	if (parsed.backend == STATE_BACKEND_SQLITE) {
		st->path = xstrdup(parsed.path);
	} else {
		st->host = xstrdup(parsed.host);
		st->port = parsed.port;
		st->db = parsed.db;
	}
	return st;
}

static void
sqlite_close(struct state *st)
{
	int	i;

	for (i = 0; i < STMT__MAX; i++) {
		sqlite3_finalize(st->stmts[i]);
		st->stmts[i] = NULL;
	}
	sqlite3_close(st->sqlite);
	st->sqlite = NULL;
}

static void
redis_close(struct state *st)
{
	if (st->redis != NULL)
		redisFree(st->redis);
	st->redis = NULL;
}

void
state_free(struct state *st)
{
	if (st == NULL)
		return;
	sqlite_close(st);
	redis_close(st);
	free(st->path);
	free(st->host);
	free(st);
}

/* The first failure is logged; repeats would flood the log. */
static void
state_failed(struct state *st, const char *what)
{
	if (st->failed_at == 0)
		fprintf(stderr, "relay: state store %s: %s\n",
		    st->backend == STATE_BACKEND_REDIS ? "(redis)" : "(sqlite)", what);
	st->failed_at = time(NULL);
	if (st->backend == STATE_BACKEND_SQLITE)
		sqlite_close(st);
	else
		redis_close(st);
}

/* SQLite's busy handler: nap and try again, for up to SQLITE_BUSY_MS. */
static int
sqlite_busy(void *arg, int tries)
{
	struct timespec	nap = { 0, SQLITE_BUSY_NAP_US * 1000 };

	(void)arg;
	if ((long long)tries * SQLITE_BUSY_NAP_US >= SQLITE_BUSY_MS * 1000LL)
		return 0;
	nanosleep(&nap, NULL);
	return 1;
}

/*
 * Puts the file in WAL mode, which it keeps once set.  Setting it takes
 * the file for a moment, and SQLite answers SQLITE_BUSY at once, without
 * the busy handler, to whoever else opens it meanwhile (every relay
 * process of a new store at its first request): they nap and try again.
 */
static int
sqlite_wal(sqlite3 *db)
{
	int	rc, tries;

	for (tries = 0;; tries++) {
		rc = sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL,
		    NULL);
		if (rc != SQLITE_BUSY || !sqlite_busy(NULL, tries))
			return rc;
	}
}

/*
 * Creates the file owner-only before SQLite opens it: its -wal and -shm
 * files copy the database's mode, and usage names every key.
 */
static bool
sqlite_open(struct state *st)
{
	int	fd, i;

	fd = open(st->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1) {
		state_failed(st, strerror(errno));
		return false;
	}
	close(fd);
	if (sqlite3_open_v2(st->path, &st->sqlite, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_busy_handler(st->sqlite, sqlite_busy, NULL) != SQLITE_OK ||
	    sqlite_wal(st->sqlite) != SQLITE_OK ||
	    sqlite3_exec(st->sqlite, SCHEMA, NULL, NULL, NULL) != SQLITE_OK) {
		state_failed(st, st->sqlite != NULL ?
		    sqlite3_errmsg(st->sqlite) : "cannot open");
		return false;
	}
	for (i = 0; i < STMT__MAX; i++)
		if (sqlite3_prepare_v3(st->sqlite, sql_text[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &st->stmts[i], NULL) != SQLITE_OK) {
			state_failed(st, sqlite3_errmsg(st->sqlite));
			return false;
		}
	return true;
}

static bool
redis_open(struct state *st)
{
	struct timeval	 tv = { REDIS_TIMEOUT_MS / 1000,
	    (REDIS_TIMEOUT_MS % 1000) * 1000 };
	redisReply	*r;

	st->redis = redisConnectWithTimeout(st->host, st->port, tv);
	if (st->redis == NULL || st->redis->err) {
		state_failed(st, st->redis != NULL ? st->redis->errstr :
		    "cannot connect");
		return false;
	}
	if (redisSetTimeout(st->redis, tv) != REDIS_OK) {
		state_failed(st, "cannot set a timeout");
		return false;
	}
	if (st->db != 0) {
		r = redisCommand(st->redis, "SELECT %d", st->db);
		if (r == NULL || r->type == REDIS_REPLY_ERROR) {
			if (r != NULL)
				freeReplyObject(r);
			state_failed(st, "SELECT failed");
			return false;
		}
		freeReplyObject(r);
	}
	return true;
}

/* Connects if need be; false while the store is unavailable. */
static bool
state_ready(struct state *st)
{
	if (st->sqlite != NULL || st->redis != NULL)
		return true;
	if (st->failed_at != 0 && time(NULL) - st->failed_at < RETRY_AFTER_S)
		return false;
	if (!(st->backend == STATE_BACKEND_SQLITE ? sqlite_open(st) : redis_open(st)))
		return false;
	if (st->failed_at != 0)
		fputs("relay: state store reachable again\n", stderr);
	st->failed_at = 0;
	return true;
}

static long long
expiry(long ttl_s)
{
	return ttl_s > 0 ? (long long)time(NULL) + ttl_s : 0;
}

/*
 * Steps a bound statement that yields at most one integer row into *n
 * (left alone when it yields none); the bound values are reset.
 */
static enum state_result
sqlite_integer(struct state *st, sqlite3_stmt *stmt, long long *n)
{
	int	rc = sqlite3_step(stmt);

	if (rc == SQLITE_ROW) {
		*n = sqlite3_column_int64(stmt, 0);
		rc = sqlite3_step(stmt);
	}
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	if (rc != SQLITE_DONE) {
		state_failed(st, sqlite3_errstr(rc));
		return STATE_UNAVAILABLE;
	}
	return STATE_OK;
}

/* Runs a statement that returns nothing; the bound values are reset. */
static enum state_result
sqlite_run(struct state *st, sqlite3_stmt *stmt)
{
	long long	none;

	return sqlite_integer(st, stmt, &none);
}

/* Now and then, drops what has expired so the file does not grow. */
static void
sqlite_sweep(struct state *st)
{
	if (++st->writes % SWEEP_EVERY != 0)
		return;
	sqlite3_bind_int64(st->stmts[STMT_SWEEP_KV], 1, time(NULL));
	if (sqlite_run(st, st->stmts[STMT_SWEEP_KV]) != STATE_OK)
		return;
	sqlite3_bind_int64(st->stmts[STMT_SWEEP_COUNTERS], 1, time(NULL));
	if (sqlite_run(st, st->stmts[STMT_SWEEP_COUNTERS]) != STATE_OK)
		return;
	sqlite3_bind_int64(st->stmts[STMT_SWEEP_LEASES], 1, time(NULL));
	(void)sqlite_run(st, st->stmts[STMT_SWEEP_LEASES]);
}

/* Steps a statement that yields at most one blob row (get, take). */
static enum state_result
sqlite_fetch(struct state *st, enum stmt which, const char *key,
    char **value, size_t *len)
{
	sqlite3_stmt		*stmt = st->stmts[which];
	enum state_result	 res = STATE_ABSENT;
	int			 rc;
	size_t			 n;

	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, time(NULL));
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		n = (size_t)sqlite3_column_bytes(stmt, 0);
		*value = xmalloc(n + 1);
		if (n > 0)
			memcpy(*value, sqlite3_column_blob(stmt, 0), n);
		(*value)[n] = '\0';
		*len = n;
		res = STATE_OK;
		rc = sqlite3_step(stmt);	/* finishes a DELETE */
	}
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	if (rc != SQLITE_DONE) {
		if (res == STATE_OK)
			free(*value);
		state_failed(st, sqlite3_errstr(rc));
		return STATE_UNAVAILABLE;
	}
	return res;
}

/* Runs a Redis command; NULL (the store marked failed) on any error. */
static redisReply *
redis_run(struct state *st, int argc, const char **argv, const size_t *lens)
{
	redisReply	*r = redisCommandArgv(st->redis, argc, argv, lens);

	if (r == NULL || r->type == REDIS_REPLY_ERROR) {
		if (r != NULL)
			freeReplyObject(r);
		state_failed(st, st->redis->err ? st->redis->errstr :
		    "command refused");
		return NULL;
	}
	return r;
}

/* REDIS_PREFIX + key, in a fresh string. */
static char *
redis_key(const char *key)
{
	return xconcat(REDIS_PREFIX, key, (char *)NULL);
}

/* GET or GETDEL: a bulk string, or nil for absent. */
static enum state_result
redis_fetch(struct state *st, const char *cmd, const char *key,
    char **value, size_t *len)
{
	char			*k = redis_key(key);
	const char		*argv[2] = { cmd, k };
	size_t			 lens[2] = { strlen(cmd), strlen(k) };
	redisReply		*r = redis_run(st, 2, argv, lens);
	enum state_result	 res = STATE_UNAVAILABLE;

	free(k);
	if (r == NULL)
		return res;
	if (r->type == REDIS_REPLY_NIL) {
		res = STATE_ABSENT;
	} else if (r->type == REDIS_REPLY_STRING) {
		*value = xmalloc(r->len + 1);
		memcpy(*value, r->str, r->len);
		(*value)[r->len] = '\0';
		*len = r->len;
		res = STATE_OK;
	} else {
		state_failed(st, "unexpected reply");
	}
	freeReplyObject(r);
	return res;
}

enum state_result
state_put(struct state *st, const char *key, const void *value, size_t len,
    long ttl_s)
{
	sqlite3_stmt	*stmt;
	redisReply	*r;
	char		*k, ttl[32];

	if (!state_ready(st))
		return STATE_UNAVAILABLE;
	if (st->backend == STATE_BACKEND_REDIS) {
		k = redis_key(key);
		snprintf(ttl, sizeof(ttl), "%ld", ttl_s);
		r = redis_run(st, ttl_s > 0 ? 5 : 3,
		    (const char *[]){ "SET", k, value, "EX", ttl },
		    (const size_t[]){ 3, strlen(k), len, 2, strlen(ttl) });
		free(k);
		if (r == NULL)
			return STATE_UNAVAILABLE;
		freeReplyObject(r);
		return STATE_OK;
	}
	stmt = st->stmts[STMT_PUT];
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	/* A zero-length blob, not NULL, for an empty value. */
	sqlite3_bind_blob(stmt, 2, len > 0 ? value : "", (int)len,
	    SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, expiry(ttl_s));
	if (sqlite_run(st, stmt) != STATE_OK)
		return STATE_UNAVAILABLE;
	sqlite_sweep(st);
	return STATE_OK;
}

enum state_result
state_get(struct state *st, const char *key, char **value, size_t *len)
{
	if (!state_ready(st))
		return STATE_UNAVAILABLE;
	if (st->backend == STATE_BACKEND_REDIS)
		return redis_fetch(st, "GET", key, value, len);
	return sqlite_fetch(st, STMT_GET, key, value, len);
}

enum state_result
state_take(struct state *st, const char *key, char **value, size_t *len)
{
	if (!state_ready(st))
		return STATE_UNAVAILABLE;
	if (st->backend == STATE_BACKEND_REDIS)
		return redis_fetch(st, "GETDEL", key, value, len);
	return sqlite_fetch(st, STMT_TAKE, key, value, len);
}

enum state_result
state_delete(struct state *st, const char *key)
{
	sqlite3_stmt	*stmt;
	redisReply	*r;
	char		*k;

	if (!state_ready(st))
		return STATE_UNAVAILABLE;
	if (st->backend == STATE_BACKEND_REDIS) {
		k = redis_key(key);
		r = redis_run(st, 2, (const char *[]){ "DEL", k },
		    (const size_t[]){ 3, strlen(k) });
		free(k);
		if (r == NULL)
			return STATE_UNAVAILABLE;
		freeReplyObject(r);
		return STATE_OK;
	}
	stmt = st->stmts[STMT_DELETE];
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	return sqlite_run(st, stmt);
}

/*
 * Runs a Redis command of argc strings (at most REDIS_ARGS_MAX) whose
 * reply is an integer, into *n.
 */
#define REDIS_ARGS_MAX	9
static enum state_result
redis_integer(struct state *st, int argc, const char **argv, long long *n)
{
	size_t			 lens[REDIS_ARGS_MAX];
	redisReply		*r;
	enum state_result	 res = STATE_UNAVAILABLE;
	int			 i;

	for (i = 0; i < argc; i++)
		lens[i] = strlen(argv[i]);
	if ((r = redis_run(st, argc, argv, lens)) == NULL)
		return res;
	if (r->type == REDIS_REPLY_INTEGER) {
		*n = r->integer;
		res = STATE_OK;
	} else {
		state_failed(st, "unexpected reply");
	}
	freeReplyObject(r);
	return res;
}

static enum state_result
redis_add(struct state *st, const char *key, long long delta, long ttl_s,
    long long *total)
{
	char			*k = redis_key(key), d[32], ttl[32];
	enum state_result	 res;

	snprintf(d, sizeof(d), "%lld", delta);
	snprintf(ttl, sizeof(ttl), "%ld", ttl_s);
	res = redis_integer(st, 6, (const char *[]){ "EVAL", REDIS_ADD, "1",
	    k, d, ttl }, total);
	free(k);
	return res;
}

enum state_result
state_add(struct state *st, const char *key, long long delta, long ttl_s,
    long long *total)
{
	sqlite3_stmt	*stmt;

	if (!state_ready(st))
		return STATE_UNAVAILABLE;
	if (st->backend == STATE_BACKEND_REDIS)
		return redis_add(st, key, delta, ttl_s, total);
	stmt = st->stmts[STMT_ADD];
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, delta);
	sqlite3_bind_int64(stmt, 3, expiry(ttl_s));
	sqlite3_bind_int64(stmt, 4, time(NULL));
	if (sqlite_integer(st, stmt, total) != STATE_OK)
		return STATE_UNAVAILABLE;
	sqlite_sweep(st);
	return STATE_OK;
}

/* Binds key, holder and a lease end to a lease statement's ?1..?3. */
static sqlite3_stmt *
sqlite_lease(struct state *st, enum stmt which, const char *key,
    const char *holder, long ttl_s)
{
	sqlite3_stmt	*stmt = st->stmts[which];

	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, holder, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, expiry(ttl_s));
	return stmt;
}

enum state_result
state_lease_take(struct state *st, const char *key, const char *holder,
    long long limit, long ttl_s)
{
	sqlite3_stmt		*stmt;
	char			*k, now[24], end[24], lim[24], ttl[24];
	long long		 taken = 0;
	enum state_result	 res;

	if (!state_ready(st))
		return STATE_UNAVAILABLE;
	if (st->backend == STATE_BACKEND_REDIS) {
		k = redis_key(key);
		snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
		snprintf(end, sizeof(end), "%lld", expiry(ttl_s));
		snprintf(lim, sizeof(lim), "%lld", limit);
		snprintf(ttl, sizeof(ttl), "%ld", ttl_s);
		res = redis_integer(st, REDIS_ARGS_MAX, (const char *[]){ "EVAL",
		    REDIS_LEASE_TAKE, "1", k, now, end, holder, lim, ttl },
		    &taken);
		free(k);
	} else {
		stmt = sqlite_lease(st, STMT_LEASE_TAKE, key, holder, ttl_s);
		sqlite3_bind_int64(stmt, 4, time(NULL));
		sqlite3_bind_int64(stmt, 5, limit);
		res = sqlite_run(st, stmt);
		taken = res == STATE_OK ? sqlite3_changes(st->sqlite) : 0;
		sqlite_sweep(st);
	}
	if (res != STATE_OK)
		return res;
	return taken == 1 ? STATE_OK : STATE_ABSENT;
}

enum state_result
state_lease_renew(struct state *st, const char *key, const char *holder,
    long ttl_s)
{
	char			*k, end[24], ttl[24];
	long long		 n;
	enum state_result	 res;

	if (!state_ready(st))
		return STATE_UNAVAILABLE;
	if (st->backend == STATE_BACKEND_SQLITE)
		return sqlite_run(st, sqlite_lease(st, STMT_LEASE_RENEW, key,
		    holder, ttl_s));
	k = redis_key(key);
	snprintf(end, sizeof(end), "%lld", expiry(ttl_s));
	snprintf(ttl, sizeof(ttl), "%ld", ttl_s);
	res = redis_integer(st, 7, (const char *[]){ "EVAL", REDIS_LEASE_RENEW,
	    "1", k, end, holder, ttl }, &n);
	free(k);
	return res;
}

enum state_result
state_lease_drop(struct state *st, const char *key, const char *holder)
{
	sqlite3_stmt		*stmt;
	char			*k;
	long long		 n;
	enum state_result	 res;

	if (!state_ready(st))
		return STATE_UNAVAILABLE;
	if (st->backend == STATE_BACKEND_SQLITE) {
		stmt = st->stmts[STMT_LEASE_DROP];
		sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, holder, -1, SQLITE_STATIC);
		return sqlite_run(st, stmt);
	}
	k = redis_key(key);
	res = redis_integer(st, 3, (const char *[]){ "ZREM", k, holder }, &n);
	free(k);
	return res;
}

enum state_result
state_lease_count(struct state *st, const char *key, long long *n)
{
	sqlite3_stmt		*stmt;
	char			*k, after[24];
	enum state_result	 res;

	*n = 0;
	if (!state_ready(st))
		return STATE_UNAVAILABLE;
	if (st->backend == STATE_BACKEND_SQLITE) {
		stmt = st->stmts[STMT_LEASE_COUNT];
		sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 2, time(NULL));
		return sqlite_integer(st, stmt, n);
	}
	/* Running: ending after now (exclusive, as SQLite's "> now"). */
	k = redis_key(key);
	snprintf(after, sizeof(after), "(%lld", (long long)time(NULL));
	res = redis_integer(st, 4, (const char *[]){ "ZCOUNT", k, after, "+inf" },
	    n);
	free(k);
	return res;
}

static enum state_result
redis_usage_add(struct state *st, const char *day_key, const char *row,
    const long long n[USAGE__MAX])
{
	const char	*argv[7 + 2 * USAGE__MAX];
	size_t		 lens[7 + 2 * USAGE__MAX], argc = 0, i;
	char		 amounts[USAGE__MAX][24];
	char		*k = xconcat(REDIS_PREFIX, REDIS_USAGE_ROW, row, (char *)NULL);
	char		*index = redis_key(REDIS_USAGE_INDEX);
	char		*tokens = xconcat(REDIS_PREFIX, REDIS_USAGE_TOKENS,
	    day_key, (char *)NULL);
	redisReply	*r;

	argv[argc++] = "EVAL";
	argv[argc++] = REDIS_USAGE_ADD;
	argv[argc++] = "3";
	argv[argc++] = k;
	argv[argc++] = index;
	argv[argc++] = tokens;
	argv[argc++] = row;
	for (i = 0; i < USAGE__MAX; i++) {
		snprintf(amounts[i], sizeof(amounts[i]), "%lld", n[i]);
		argv[argc++] = usage_field_name((enum usage_field)i);
		argv[argc++] = amounts[i];
	}
	for (i = 0; i < argc; i++)
		lens[i] = strlen(argv[i]);
	r = redis_run(st, (int)argc, argv, lens);
	free(k);
	free(index);
	free(tokens);
	if (r == NULL)
		return STATE_UNAVAILABLE;
	freeReplyObject(r);
	return STATE_OK;
}

enum state_result
state_usage_add(struct state *st, const char *day, const char *key,
    const char *model, const long long n[USAGE__MAX])
{
	sqlite3_stmt		*stmt;
	enum state_result	 res;
	char			*row, *day_key;
	int			 i;

	if (!state_ready(st))
		return STATE_UNAVAILABLE;
	if (st->backend == STATE_BACKEND_REDIS) {
		day_key = xconcat(day, " ", key, (char *)NULL);
		row = xconcat(day_key, " ", model, (char *)NULL);
		res = redis_usage_add(st, day_key, row, n);
		free(row);
		free(day_key);
		return res;
	}
	stmt = st->stmts[STMT_USAGE_ADD];
	sqlite3_bind_text(stmt, 1, day, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, model, -1, SQLITE_STATIC);
	for (i = 0; i < USAGE__MAX; i++)
		sqlite3_bind_int64(stmt, 4 + i, n[i]);
	return sqlite_run(st, stmt);
}

static void
rows_add(struct usage_row **rows, size_t *nrows, const struct usage_row *r)
{
	*rows = xrealloc(*rows, (*nrows + 1) * sizeof(**rows));
	(*rows)[(*nrows)++] = *r;
}

/* "DAY KEY MODEL" into r; false for a name not of that shape. */
static bool
row_name_parse(const char *name, struct usage_row *r)
{
	const char	*sp1 = strchr(name, ' '), *sp2;

	memset(r, 0, sizeof(*r));
	if (sp1 == NULL || (sp2 = strchr(sp1 + 1, ' ')) == NULL ||
	    sp1 - name != 10 || sp2 - sp1 - 1 >= (long)sizeof(r->key) ||
	    strlen(sp2 + 1) >= sizeof(r->model))
		return false;
	memcpy(r->day, name, 10);
	memcpy(r->key, sp1 + 1, (size_t)(sp2 - sp1 - 1));
	snprintf(r->model, sizeof(r->model), "%s", sp2 + 1);
	return true;
}

/* Fills r's counts from a Redis HGETALL reply. */
static void
row_counts(struct usage_row *r, const redisReply *h)
{
	size_t	i;
	int	f;

	for (i = 0; i + 1 < h->elements; i += 2)
		for (f = 0; f < USAGE__MAX; f++)
			if (h->element[i]->type == REDIS_REPLY_STRING &&
			    strcmp(h->element[i]->str,
			    usage_field_name((enum usage_field)f)) == 0 &&
			    h->element[i + 1]->type == REDIS_REPLY_STRING)
				r->n[f] = strtoll(h->element[i + 1]->str, NULL,
				    10);
}

static int
row_cmp(const void *a, const void *b)
{
	const struct usage_row	*x = a, *y = b;
	int			 c = strcmp(x->day, y->day);

	if (c == 0)
		c = strcmp(x->key, y->key);
	return c != 0 ? c : strcmp(x->model, y->model);
}

static enum state_result
redis_usage_list(struct state *st, const char *since, const char *until,
    const char *key, struct usage_row **rows, size_t *nrows)
{
	char		*index = redis_key(REDIS_USAGE_INDEX), *k;
	redisReply	*names, *h;
	struct usage_row r;
	size_t		 i;

	names = redis_run(st, 2, (const char *[]){ "SMEMBERS", index },
	    (const size_t[]){ 8, strlen(index) });
	free(index);
	if (names == NULL)
		return STATE_UNAVAILABLE;
	for (i = 0; i < names->elements; i++) {
		if (names->element[i]->type != REDIS_REPLY_STRING ||
		    !row_name_parse(names->element[i]->str, &r) ||
		    strcmp(r.day, since) < 0 || strcmp(r.day, until) > 0 ||
		    (key != NULL && strcmp(r.key, key) != 0))
			continue;
		k = xconcat(REDIS_PREFIX, REDIS_USAGE_ROW,
		    names->element[i]->str, (char *)NULL);
		h = redis_run(st, 2, (const char *[]){ "HGETALL", k },
		    (const size_t[]){ 7, strlen(k) });
		free(k);
		if (h == NULL) {
			freeReplyObject(names);
			return STATE_UNAVAILABLE;
		}
		row_counts(&r, h);
		freeReplyObject(h);
		rows_add(rows, nrows, &r);
	}
	freeReplyObject(names);
	if (*nrows > 1)
		qsort(*rows, *nrows, sizeof(**rows), row_cmp);
	return STATE_OK;
}

static enum state_result
sqlite_usage_list(struct state *st, const char *since, const char *until,
    const char *key, struct usage_row **rows, size_t *nrows)
{
	sqlite3_stmt	*stmt = st->stmts[STMT_USAGE_LIST];
	struct usage_row r;
	int		 rc, i;

	sqlite3_bind_text(stmt, 1, since, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, until, -1, SQLITE_STATIC);
	if (key != NULL)
		sqlite3_bind_text(stmt, 3, key, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		snprintf(r.day, sizeof(r.day), "%s",
		    (const char *)sqlite3_column_text(stmt, 0));
		snprintf(r.key, sizeof(r.key), "%s",
		    (const char *)sqlite3_column_text(stmt, 1));
		snprintf(r.model, sizeof(r.model), "%s",
		    (const char *)sqlite3_column_text(stmt, 2));
		for (i = 0; i < USAGE__MAX; i++)
			r.n[i] = sqlite3_column_int64(stmt, 3 + i);
		rows_add(rows, nrows, &r);
	}
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	if (rc != SQLITE_DONE) {
		state_failed(st, sqlite3_errstr(rc));
		return STATE_UNAVAILABLE;
	}
	return STATE_OK;
}

enum state_result
state_usage_list(struct state *st, const char *since, const char *until,
    const char *key, struct usage_row **rows, size_t *nrows)
{
	enum state_result	res;

	*rows = NULL;
	*nrows = 0;
	if (!state_ready(st))
		return STATE_UNAVAILABLE;
	res = st->backend == STATE_BACKEND_REDIS ?
	    redis_usage_list(st, since, until, key, rows, nrows) :
	    sqlite_usage_list(st, since, until, key, rows, nrows);
	if (res != STATE_OK) {
		free(*rows);
		*rows = NULL;
		*nrows = 0;
	}
	return res;
}

static enum state_result
sqlite_usage_tokens(struct state *st, const char *day, const char *key,
    long long *total)
{
	sqlite3_stmt	*stmt = st->stmts[STMT_USAGE_TOKENS];

	sqlite3_bind_text(stmt, 1, day, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, key, -1, SQLITE_STATIC);
	return sqlite_integer(st, stmt, total);
}

enum state_result
state_usage_tokens(struct state *st, const char *day, const char *key,
    long long *total)
{
	enum state_result	 res;
	char			*k, *v = NULL;
	size_t			 len;

	*total = 0;
	if (!state_ready(st))
		return STATE_UNAVAILABLE;
	if (st->backend == STATE_BACKEND_SQLITE)
		return sqlite_usage_tokens(st, day, key, total);
	k = xconcat(REDIS_USAGE_TOKENS, day, " ", key, (char *)NULL);
	res = redis_fetch(st, "GET", k, &v, &len);
	free(k);
	if (res == STATE_OK)
		*total = strtoll(v, NULL, 10);
	free(v);
	return res == STATE_ABSENT ? STATE_OK : res;
}
