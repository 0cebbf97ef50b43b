/*
 * relay.c - ssd-api in front of the ssd-relay relays: an agent's data
 * links (register.c authenticates them) and a browser's authorized VNC
 * upgrade both go to the relay that owns the agent,
 * handoff_relay_for(agent, relays), so that they meet there; and every
 * relay hears when web sessions' connections must end.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "api.h"
#include "handoff.h"
#include "ipc.h"
#include "log.h"
#include "metrics.h"
#include "peers.h"
#include "util.h"

struct peer *
relay_of_agent(const char *agent_id)
{
	return api_relay((int)handoff_relay_for(agent_id,
	    (unsigned)api_relay_count()));
}

/*
 * The relay answers from here on (101 or an HTTP error), so the attempt
 * is audited now, as handed off; a relay that is down is a 503 here.
 */
void
relay_handoff_viewer(struct request *r, const struct handoff_viewer *v)
{
	struct peer *p = relay_of_agent(v->agent_id);
	const char *full;
	char msg[320];
	uint32_t id;

	if (p == NULL || p->chan == NULL) {
		snprintf(msg, sizeof(msg), "the relay of agent %s is not "
		    "running", v->agent_id);
		log_info("%s: user %s: session %s: %s", server_peer(r),
		    v->user, v->session_id, msg);
		metrics_add(M_VNC_FAILURES, ML("relay_unavailable"), 1);
		server_reply_error_code(r, 503, "relay_unavailable", msg);
		return;
	}
	if ((full = viewcap_full(v->session_id, v->user)) != NULL) {
		log_info("%s: user %s: session %s: viewer refused: %s",
		    server_peer(r), v->user, v->session_id, full);
		server_reply_error_code(r, 429, "too_many_viewers", full);
		return;
	}
	log_info("%s: user %s: session %s: viewer handed to %s",
	    server_peer(r), v->user, v->session_id, p->name);
	if (r->audit) {
		audit_request(r, 101);
		r->audit = 0;
	}
	if ((id = api_handoff(r, p, HANDOFF_VIEWER, v, sizeof(*v))) != 0)
		viewcap_add(id, p->instance, v->session_id, v->user);
}

void
relay_cut(const char *session_id, const char *user, const char *why)
{
	struct imsg_streams_cut c;
	struct peer *p;
	int i;

	memset(&c, 0, sizeof(c));
	ssd_strlcpy(c.session_id, session_id, sizeof(c.session_id));
	ssd_strlcpy(c.user, user, sizeof(c.user));
	ssd_strlcpy(c.reason, why, sizeof(c.reason));
	for (i = 0; i < api_relay_count(); i++)
		if ((p = api_relay(i)) != NULL && p->chan != NULL &&
		    ipc_send(p->chan, IMSG_STREAMS_CUT, 0, -1, &c,
		    sizeof(c)) == -1)
			log_warnx("%s: cannot tell it to end the web "
			    "connections of %s%s (channel full)", p->name,
			    *user != '\0' ? "user " : "session ",
			    *user != '\0' ? user : session_id);
}
