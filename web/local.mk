# The web UI: plain HTML, CSS and ES modules, installed as they are to
# $(pkgdatadir)/web (web_dir), with gzip siblings that ssd-api serves to
# browsers that take them.  No build step: edit and reload.
WEB_FILES = web/index.html web/css/app.css web/img/logo.svg \
	web/js/app.js web/js/api.js web/js/ui.js \
	web/js/pages/login.js web/js/pages/sessions.js web/js/pages/session.js \
	web/js/pages/catalog.js web/js/pages/settings.js \
	web/js/pages/admin-dashboard.js web/js/pages/admin-agents.js \
	web/js/pages/admin-users.js web/js/pages/admin-groups.js \
	web/js/pages/admin-templates.js web/js/pages/admin-audit.js
nobase_dist_pkgdata_DATA = $(WEB_FILES)

install-data-hook: install-web-gz
install-web-gz:
	for f in $(WEB_FILES); do \
	    case $$f in *.png|*.ico) continue ;; esac; \
	    gzip -9 -n -c "$(srcdir)/$$f" > "$(DESTDIR)$(pkgdatadir)/$$f.gz" || exit 1; \
	done
uninstall-hook: uninstall-web-gz
uninstall-web-gz:
	for f in $(WEB_FILES); do rm -f "$(DESTDIR)$(pkgdatadir)/$$f.gz"; done
print-web-files:
	@echo $(WEB_FILES)
.PHONY: install-web-gz uninstall-web-gz print-web-files
