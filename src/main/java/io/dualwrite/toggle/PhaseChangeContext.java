package io.dualwrite.toggle;

import java.util.function.Supplier;

import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.util.ClassUtils;

/**
 * Who asks for a phase change, and through what, for the audit log. The Java API, the Actuator endpoint and the status
 * page name the requester explicitly ({@link #as}); a change arriving any other way (the Togglz console) is attributed
 * to the user Spring Security has authenticated on the current thread, via {@code console}.
 */
public final class PhaseChangeContext {

    private static final boolean SECURITY_PRESENT = ClassUtils.isPresent(
            "org.springframework.security.core.context.SecurityContextHolder", PhaseChangeContext.class.getClassLoader());

    private static final ThreadLocal<Requester> CURRENT = new ThreadLocal<>();

    private PhaseChangeContext() {
    }

    /** Runs {@code action} with the requester set to {@code user} via {@code via}. */
    public static <T> T as(String user, String via, Supplier<T> action) {
        Requester previous = CURRENT.get();
        CURRENT.set(new Requester(user == null || user.isBlank() ? "an unnamed user" : user, via));
        try {
            return action.get();
        }
        finally {
            if (previous == null) {
                CURRENT.remove();
            }
            else {
                CURRENT.set(previous);
            }
        }
    }

    /** The requester of the change being made on this thread. */
    public static Requester current() {
        Requester requester = CURRENT.get();
        if (requester != null) {
            return requester;
        }
        if (SECURITY_PRESENT) {
            Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
            if (authentication != null && authentication.isAuthenticated()) {
                return new Requester(authentication.getName(), "console");
            }
        }
        return new Requester("unknown", "togglz");
    }

    /**
     * @param user who asks
     * @param via through what
     */
    public record Requester(String user, String via) {
    }
}
