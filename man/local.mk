# Manual pages: *.in get configured paths; ssd.conf(5) also gets its
# SETTINGS list from the settings table through gen-settings.
man_MANS += man/ssd.8 man/ssd.conf.5 man/ssdctl.8 man/ssd-api.8 \
	man/ssd-agent-k8s.8 man/ssd-upgrade.7 man/ssd-metrics.7
EXTRA_DIST += man/ssd.8.in man/ssd.conf.5.in man/ssdctl.8.in man/ssd-api.8.in \
	man/ssd-agent-k8s.8.in man/ssd-upgrade.7.in man/ssd-metrics.7.in
CLEANFILES += man/ssd.8 man/ssd.conf.5 man/ssdctl.8 man/ssd-api.8 \
	man/ssd-agent-k8s.8 man/ssd-upgrade.7 man/ssd-metrics.7 \
	man/settings.mdoc man/retired.mdoc man/metrics.mdoc

noinst_PROGRAMS += man/gen-settings
man_gen_settings_SOURCES = man/gen-settings.c
man_gen_settings_LDADD = $(LIBSSD)
# ssd-metrics(7)'s METRICS list, from common/metrics_defs.h.
noinst_PROGRAMS += man/gen-metrics
man_gen_metrics_SOURCES = man/gen-metrics.c
man_gen_metrics_LDADD = $(LIBSSD)

man/ssd.8: $(srcdir)/man/ssd.8.in Makefile
	$(AM_V_GEN)$(MKDIR_P) man && $(do_subst) < $(srcdir)/man/ssd.8.in > $@
man/ssdctl.8: $(srcdir)/man/ssdctl.8.in Makefile
	$(AM_V_GEN)$(MKDIR_P) man && $(do_subst) < $(srcdir)/man/ssdctl.8.in > $@
man/ssd-api.8: $(srcdir)/man/ssd-api.8.in Makefile
	$(AM_V_GEN)$(MKDIR_P) man && $(do_subst) < $(srcdir)/man/ssd-api.8.in > $@
man/ssd-agent-k8s.8: $(srcdir)/man/ssd-agent-k8s.8.in Makefile
	$(AM_V_GEN)$(MKDIR_P) man && $(do_subst) < $(srcdir)/man/ssd-agent-k8s.8.in > $@
man/ssd.conf.5: $(srcdir)/man/ssd.conf.5.in man/gen-settings$(EXEEXT) Makefile
	$(AM_V_GEN)$(MKDIR_P) man && man/gen-settings$(EXEEXT) > man/settings.mdoc && \
	$(do_subst) < $(srcdir)/man/ssd.conf.5.in | \
	$(SED) -e '/^@SETTINGS@$$/{r man/settings.mdoc' -e 'd' -e '}' > $@

man/ssd-upgrade.7: $(srcdir)/man/ssd-upgrade.7.in man/gen-settings$(EXEEXT) Makefile
	$(AM_V_GEN)$(MKDIR_P) man && man/gen-settings$(EXEEXT) -r > man/retired.mdoc && \
	$(do_subst) < $(srcdir)/man/ssd-upgrade.7.in | \
	$(SED) -e '/^@RETIRED@$$/{r man/retired.mdoc' -e 'd' -e '}' > $@

man/ssd-metrics.7: $(srcdir)/man/ssd-metrics.7.in man/gen-metrics$(EXEEXT) Makefile
	$(AM_V_GEN)$(MKDIR_P) man && man/gen-metrics$(EXEEXT) > man/metrics.mdoc && \
	$(do_subst) < $(srcdir)/man/ssd-metrics.7.in | \
	$(SED) -e '/^@METRICS@$$/{r man/metrics.mdoc' -e 'd' -e '}' > $@

# Every page must be clean at mandoc's warning level.
TESTS += tests/man-lint.sh
EXTRA_DIST += tests/man-lint.sh

# ssd-hub(8) and ssd-relay(8) are ssd-api(8): links, not .so pages.
install-data-hook: install-man-links
install-man-links:
	cd $(DESTDIR)$(man8dir) && for p in ssd-hub ssd-relay; do \
	    rm -f $$p.8 && $(LN_S) ssd-api.8 $$p.8; done
uninstall-hook: uninstall-man-links
uninstall-man-links:
	for p in ssd-hub ssd-relay; do rm -f $(DESTDIR)$(man8dir)/$$p.8; done
.PHONY: install-man-links uninstall-man-links
