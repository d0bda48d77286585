package io.fixprov;

/**
 * The answer to an admin request: an HTTP status and a JSON body; errors are
 * {@code {"error": {"code", "message"}}}.
 *
 * <p>The provision and regenerate-password routes put a new password in {@code json}: a Java String
 * cannot be wiped, so prefer {@link Engine#provision} when the password matters.
 */
public record AdminResponse(int httpStatus, String json) {
    /** True for a 2xx status. */
    public boolean ok() {
        return httpStatus >= 200 && httpStatus < 300;
    }

    @Override
    public String toString() {
        return httpStatus + " " + json;
    }
}
