package io.dualwrite.web;

import java.security.Principal;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import jakarta.servlet.http.HttpServletRequest;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;
import org.springframework.web.servlet.support.RequestContextUtils;
import org.springframework.web.servlet.view.RedirectView;
import org.thymeleaf.TemplateEngine;
import org.thymeleaf.context.Context;
import org.thymeleaf.spring6.SpringTemplateEngine;
import org.thymeleaf.templatemode.TemplateMode;
import org.thymeleaf.templateresolver.ClassLoaderTemplateResolver;

import io.dualwrite.status.MigrationStatus;
import io.dualwrite.status.StatusService;
import io.dualwrite.status.StatusService.JobControl;
import io.dualwrite.status.StatusService.PhaseChange;

/**
 * The status page, {@code /dualwrite/status}, beside the Togglz console and behind the same admin login: for every
 * migration its phase, the guard's next and previous step (a refused one disabled, with the reason), the live
 * instances, copier and verifier progress with buttons to start, pause and resume them, the unrepaired count, optional
 * sections and the audit log. Buttons are {@code POST} forms carrying the CSRF token; each answers with a redirect back
 * to the page, which shows what happened (accepted, or why not).
 * <p>
 * The page is rendered by a Thymeleaf engine of its own, from {@code io/dualwrite/web/status.html} on the class path,
 * not through the application's view resolvers: it works whatever view technology and Thymeleaf settings the
 * application has, and its template cannot collide with the application's {@code templates/}. Thymeleaf escapes every
 * value it writes.
 */
@Controller
public class StatusPageController {

    /** The page's path. */
    public static final String PATH = "/dualwrite/status";

    /** The audit log's {@code via} for changes requested here. */
    public static final String VIA = "status-page";

    private static final Logger log = LoggerFactory.getLogger(StatusPageController.class);

    private static final String OUTCOME = "dualwriteOutcome";

    private final StatusService status;

    private final Clock clock;

    private final String consolePath;

    private final TemplateEngine templates;

    /**
     * @param status reads the statuses and carries out the requests
     * @param clock the time shown as "read at"
     * @param consolePath the Togglz console's path (linked from the page)
     */
    public StatusPageController(StatusService status, Clock clock, String consolePath) {
        this.status = Objects.requireNonNull(status, "status");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.consolePath = consolePath == null ? "/togglz-console" : consolePath;
        this.templates = engine();
    }

    private static TemplateEngine engine() {
        ClassLoaderTemplateResolver resolver = new ClassLoaderTemplateResolver(StatusPageController.class
                .getClassLoader());
        resolver.setPrefix("io/dualwrite/web/");
        resolver.setSuffix(".html");
        resolver.setTemplateMode(TemplateMode.HTML);
        resolver.setCharacterEncoding("UTF-8");
        resolver.setCacheable(true);
        SpringTemplateEngine engine = new SpringTemplateEngine();
        engine.setTemplateResolver(resolver);
        engine.setEnableSpringELCompiler(false);
        return engine;
    }

    /**
     * The page.
     *
     * @param refresh when given, the page reloads itself every that many seconds (2 to 300)
     */
    @GetMapping(path = PATH, produces = MediaType.TEXT_HTML_VALUE)
    @ResponseBody
    public String page(HttpServletRequest request, @RequestParam(required = false) Integer refresh) {
        Context context = new Context();
        List<MigrationStatus> statuses = List.of();
        String readError = null;
        try {
            statuses = status.statuses();
        }
        catch (RuntimeException ex) {
            log.warn("The status page could not read the migrations' status", ex);
            readError = "Could not read the migrations' status: " + ex.getMessage();
        }
        context.setVariable("statuses", statuses);
        context.setVariable("readError", readError);
        context.setVariable("now", clock.instant());
        context.setVariable("fmt", new PageFormat());
        context.setVariable("base", request.getContextPath());
        context.setVariable("console", consolePath);
        context.setVariable("refresh", refresh == null ? null : Math.max(2, Math.min(300, refresh)));
        context.setVariable("csrf", request.getAttribute(CsrfToken.class.getName()));
        Map<String, ?> flash = RequestContextUtils.getInputFlashMap(request);
        context.setVariable("outcome", flash == null ? null : flash.get(OUTCOME));
        return templates.process("status", context);
    }

    /** Asks for a phase change (the form of a next or previous step), then back to the page. */
    @PostMapping(PATH + "/{migration}/phase")
    public RedirectView phase(@PathVariable String migration, @RequestParam(required = false) String phase,
            Principal principal, RedirectAttributes redirect) {
        PhaseChange change = status.requestPhase(migration, phase, principal == null ? "anonymous"
                : principal.getName(), VIA);
        Outcome outcome = switch (change.outcome()) {
            case ACCEPTED -> new Outcome("accepted", "Accepted.", change.message(), migration);
            case REFUSED -> new Outcome("refused", "Refused: nothing was changed.", change.message(), migration);
            default -> new Outcome("error", "Not done: nothing was changed.", change.message(), migration);
        };
        return back(redirect, outcome);
    }

    /** Starts, pauses or resumes a copy or verification run, then back to the page. */
    @PostMapping(PATH + "/{migration}/job")
    public RedirectView job(@PathVariable String migration, @RequestParam(required = false) String job,
            @RequestParam(required = false) String action, RedirectAttributes redirect) {
        JobControl control = status.controlJob(migration, job, action);
        return back(redirect, control.done() ? new Outcome("done", "Done.", control.message(), migration)
                : new Outcome("error", "Not done:", control.message(), migration));
    }

    private static RedirectView back(RedirectAttributes redirect, Outcome outcome) {
        redirect.addFlashAttribute(OUTCOME, outcome);
        RedirectView view = new RedirectView(PATH, true);
        view.setExposeModelAttributes(false);
        return view;
    }

    /**
     * What the last request did, shown once at the top of the page.
     *
     * @param kind {@code accepted}, {@code refused}, {@code done} or {@code error}
     * @param title a few words
     * @param message the full sentence (the guard's reason for a refusal)
     * @param migration the migration it was about
     */
    public record Outcome(String kind, String title, String message, String migration) implements java.io.Serializable {
    }
}
