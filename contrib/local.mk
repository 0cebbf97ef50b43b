# systemd unit, sysusers.d and tmpfiles.d entries, and the example config.
# systemd reads only *.conf from sysusers.d and tmpfiles.d, and automake
# installs a file under its own name: each is built as ssd.conf in a
# directory of its own.
systemdsystemunit_DATA = contrib/systemd/ssd.service
sysusersdir = $(prefix)/lib/sysusers.d
sysusers_DATA = contrib/systemd/sysusers.d/ssd.conf
tmpfilesdir = $(prefix)/lib/tmpfiles.d
tmpfiles_DATA = contrib/systemd/tmpfiles.d/ssd.conf
EXTRA_DIST += contrib/systemd/ssd.service.in contrib/systemd/ssd.sysusers.in \
	contrib/systemd/ssd.tmpfiles.in contrib/ssd.conf.example \
	contrib/install-deps.sh contrib/run-tests.sh contrib/quickstart.sh \
	contrib/demo-desktop.sh contrib/demo-web-desktop.sh contrib/k8s/Dockerfile \
	contrib/k8s/agent-deployment.yaml contrib/k8s/rbac.yaml
CLEANFILES += contrib/systemd/ssd.service contrib/systemd/sysusers.d/ssd.conf \
	contrib/systemd/tmpfiles.d/ssd.conf
dist_doc_DATA = contrib/ssd.conf.example
# Prometheus rules and the Grafana dashboard (ssd-metrics(7)); their
# tests need promtool, from Debian's prometheus.
prometheusdir = $(pkgdatadir)/prometheus
dist_prometheus_DATA = contrib/prometheus/ssd-alerts.yml \
	contrib/prometheus/ssd-rules.yml
grafanadir = $(pkgdatadir)/grafana
dist_grafana_DATA = contrib/grafana/ssd-dashboard.json
TESTS += tests/prometheus-rules.sh
EXTRA_DIST += tests/prometheus-rules.sh tests/prometheus/ssd-alerts.test.yml
# Demo templates for ssdctl template import.
doctemplatesdir = $(docdir)/templates
dist_doctemplates_DATA = contrib/templates/firefox.yaml \
	contrib/templates/xfce-desktop.yaml

contrib/systemd/ssd.service: $(srcdir)/contrib/systemd/ssd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib/systemd && $(do_subst) < $(srcdir)/contrib/systemd/ssd.service.in > $@
contrib/systemd/sysusers.d/ssd.conf: $(srcdir)/contrib/systemd/ssd.sysusers.in Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib/systemd/sysusers.d && $(do_subst) < $(srcdir)/contrib/systemd/ssd.sysusers.in > $@
contrib/systemd/tmpfiles.d/ssd.conf: $(srcdir)/contrib/systemd/ssd.tmpfiles.in Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib/systemd/tmpfiles.d && $(do_subst) < $(srcdir)/contrib/systemd/ssd.tmpfiles.in > $@

# The unit must verify cleanly and stay hardened.
TESTS += tests/systemd-unit.sh
EXTRA_DIST += tests/systemd-unit.sh
