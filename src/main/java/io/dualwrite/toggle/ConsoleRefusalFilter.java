package io.dualwrite.toggle;

import java.io.IOException;
import java.io.PrintWriter;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.HtmlUtils;

/**
 * Shows the Togglz console user why a change was refused. The console saves a feature state without expecting a
 * refusal; when {@link ValidatingStateRepository} (or the {@link PhaseChangeValidator} behind it) refuses one with an
 * {@link IllegalArgumentException}, this filter answers 400 with the reason and a link back to the console instead of a
 * bare server error. Nothing was stored in that case.
 */
public class ConsoleRefusalFilter extends OncePerRequestFilter {

    private static final Logger log = LoggerFactory.getLogger(ConsoleRefusalFilter.class);

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        try {
            chain.doFilter(request, response);
        }
        catch (IllegalArgumentException ex) {
            if (response.isCommitted()) {
                throw ex;
            }
            log.warn("Refused a change made in the Togglz console by {}: {}",
                    request.getUserPrincipal() == null ? "an anonymous user" : request.getUserPrincipal().getName(),
                    ex.getMessage());
            response.resetBuffer();
            response.setStatus(HttpServletResponse.SC_BAD_REQUEST);
            response.setContentType("text/html;charset=UTF-8");
            PrintWriter out = response.getWriter();
            out.print("<!DOCTYPE html><html><head><title>Change refused</title></head><body>"
                    + "<h1>Change refused</h1><p id=\"reason\">" + HtmlUtils.htmlEscape(ex.getMessage()) + "</p>"
                    + "<p><a href=\"index\">Back to the console</a></p></body></html>");
            out.flush();
        }
    }
}
