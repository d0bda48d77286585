package io.fixprov;

import java.nio.charset.StandardCharsets;

/**
 * A fixprov call failed: carries the {@code fixprov_status} code and the library's
 * {@code fixprov_last_error()} text, read on the calling thread right after the failing call.
 */
public class FixProvException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;

    public FixProvException(int status, String message) {
        super(FixProv.statusName(status) + " (" + status + "): " + message);
        this.status = status;
    }

    /** Used by the JNI library: the message is the UTF-8 of fixprov_last_error(). */
    FixProvException(int status, byte[] utf8Message) {
        this(status, new String(utf8Message, StandardCharsets.UTF_8));
    }

    /** The fixprov_status value, e.g. {@link FixProv#ERR_NOT_FOUND}. */
    public int status() {
        return status;
    }

    /** The library's short name of the status, e.g. "not found". */
    public String statusName() {
        return FixProv.statusName(status);
    }
}
