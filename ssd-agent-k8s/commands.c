/*
 * commands.c - the agent's commands by id: each is acknowledged, run
 * once against the cluster however often the control plane sends it,
 * and its result kept (a bounded number of them) so that a result the
 * link lost on the way goes out again when the link is back.
 */
#include "config.h"

#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "agentproto.h"
#include "cluster.h"
#include "log.h"
#include "util.h"

#define COMMANDS_KEPT	4096	/* finished ones remembered, oldest go */

struct command {
	TAILQ_ENTRY(command)	 entry;
	char			 id[AP_ID_MAX + 1];
	char			 session[256];
	char			 type[32];
	int			 done;
	const char		*answer;	/* "complete" or "failed" */
	cJSON			*result;
	int			 unsent;	/* the answer may be lost */
};

static TAILQ_HEAD(, command) commands = TAILQ_HEAD_INITIALIZER(commands);
static size_t ncommands, nrunning;
static struct cluster *cluster;
static commands_send_fn send_msg;
static uint64_t max_sessions;
static int count_hibernated = 1;

void
commands_init(struct cluster *c, commands_send_fn send, uint64_t max)
{
	cluster = c;
	send_msg = send;
	max_sessions = max;
}

void
commands_count_hibernated(int yes)
{
	count_hibernated = yes;
}

size_t
commands_running(void)
{
	return nrunning;
}

static struct command *
commands_find(const char *id)
{
	struct command *cmd;

	TAILQ_FOREACH(cmd, &commands, entry)
		if (strcmp(cmd->id, id) == 0)
			return cmd;
	return NULL;
}

static void
commands_forget(struct command *cmd)
{
	TAILQ_REMOVE(&commands, cmd, entry);
	ncommands--;
	cJSON_Delete(cmd->result);
	free(cmd);
}

/* Keeps the table bounded: the oldest finished command goes. */
static void
commands_trim(void)
{
	struct command *cmd, *next;

	for (cmd = TAILQ_FIRST(&commands); cmd != NULL &&
	    ncommands > COMMANDS_KEPT; cmd = next) {
		next = TAILQ_NEXT(cmd, entry);
		if (cmd->done)
			commands_forget(cmd);
	}
}

static void
commands_answer(struct command *cmd)
{
	cmd->unsent = send_msg(cmd->answer, cmd->id, cmd->result) == -1;
}

static void
commands_finish(struct command *cmd, const char *answer, cJSON *result)
{
	cmd->done = 1;
	nrunning--;
	cmd->answer = answer;
	cmd->result = result;
	commands_answer(cmd);
	commands_trim();
}

static void
commands_done(const cJSON *result, const char *error, int retryable,
    void *arg)
{
	struct command *cmd = arg;
	cJSON *r;

	if (error == NULL) {
		log_info("session %s: %s done (command %s)", cmd->session,
		    cmd->type, cmd->id);
		commands_finish(cmd, AP_COMPLETE, result ?
		    cJSON_Duplicate(result, 1) : cJSON_CreateObject());
		return;
	}
	log_warnx("session %s: %s failed%s: %s (command %s)", cmd->session,
	    cmd->type, retryable ? " (retryable)" : "", error, cmd->id);
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, AP_ERROR_TEXT, error);
	cJSON_AddBoolToObject(r, AP_RETRYABLE, retryable);
	commands_finish(cmd, AP_FAILED, r);
}

/*
 * A start (or a wake) beyond MAX_SESSIONS, counted as the control plane
 * counts (hibernated sessions or not): refused, saying it is capacity,
 * not the session, that is wrong.
 */
static int
commands_full(struct command *cmd)
{
	cJSON *r;

	if (max_sessions == 0 || (count_hibernated ?
	    cluster_session_count(cluster) :
	    cluster_session_count_awake(cluster)) < max_sessions)
		return 0;
	log_warnx("session %s: %s refused: the agent is at MAX_SESSIONS "
	    "(%llu) (command %s)", cmd->session, cmd->type,
	    (unsigned long long)max_sessions, cmd->id);
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, AP_ERROR_TEXT, "the agent is at "
	    "MAX_SESSIONS");
	cJSON_AddFalseToObject(r, AP_RETRYABLE);
	cJSON_AddTrueToObject(r, AP_NO_CAPACITY);
	commands_finish(cmd, AP_FAILED, r);
	return 1;
}

/*
 * Runs a new command; the answer comes through commands_done.  The
 * cluster gets the command's data ({sessionId, user, template, ...}).
 */
static void
commands_run(struct command *cmd, const cJSON *data)
{
	if (strcmp(cmd->type, AP_CMD_START) == 0) {
		if (!commands_full(cmd))
			cluster_start(cluster, data, commands_done, cmd);
	} else if (strcmp(cmd->type, AP_CMD_STOP) == 0)
		cluster_stop(cluster, data, commands_done, cmd);
	else if (strcmp(cmd->type, AP_CMD_HIBERNATE) == 0)
		cluster_hibernate(cluster, data, commands_done, cmd);
	else if (strcmp(cmd->type, AP_CMD_DELETE_HOME) == 0)
		cluster_delete_home(cluster, data, commands_done, cmd);
	else if (strcmp(cmd->type, AP_CMD_WAKE) == 0) {
		if (count_hibernated || !commands_full(cmd))
			cluster_wake(cluster, data, commands_done, cmd);
	}
	else
		commands_done(NULL, "unknown command type", 0, cmd);
}

void
commands_handle(const char *id, const char *type, const char *session_id,
    const cJSON *data)
{
	struct command *cmd;
	cJSON *d;

	if ((cmd = commands_find(id)) != NULL) {
		/* Sent again: the same answer, never the work twice. */
		send_msg(AP_ACK, id, NULL);
		if (cmd->done)
			commands_answer(cmd);
		return;
	}
	cmd = xcalloc(1, sizeof(*cmd));
	ssd_strlcpy(cmd->id, id, sizeof(cmd->id));
	ssd_strlcpy(cmd->type, type, sizeof(cmd->type));
	ssd_strlcpy(cmd->session, session_id, sizeof(cmd->session));
	TAILQ_INSERT_TAIL(&commands, cmd, entry);
	ncommands++;
	nrunning++;
	send_msg(AP_ACK, id, NULL);
	log_info("session %s: %s (command %s)", cmd->session, cmd->type, id);
	/* The data names the session; without data, the command does. */
	d = data ? cJSON_Duplicate(data, 1) : cJSON_CreateObject();
	if (!cJSON_HasObjectItem(d, AP_SESSION_ID))
		cJSON_AddStringToObject(d, AP_SESSION_ID, session_id);
	commands_run(cmd, d);
	cJSON_Delete(d);
}

void
commands_resend(void)
{
	struct command *cmd;

	TAILQ_FOREACH(cmd, &commands, entry)
		if (cmd->done && cmd->unsent)
			commands_answer(cmd);
}

void
commands_free(void)
{
	struct command *cmd;

	while ((cmd = TAILQ_FIRST(&commands)) != NULL)
		commands_forget(cmd);
	nrunning = 0;
}
