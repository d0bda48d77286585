package io.fixprov;

import java.util.Arrays;

/**
 * What provisioning returns: the user's SenderCompID, the venue's TargetCompID and the password, shown
 * this once (the library keeps only a verifier). The password is a byte array the caller wipes with
 * {@link #wipe()} (or {@link #close()}, so try-with-resources works) once it has been handed on; it
 * never appears in {@link #toString()}.
 */
public final class Credentials implements AutoCloseable {
    private final String userId;
    private final String senderCompId;
    private final String targetCompId;
    private final byte[] password;

    Credentials(String userId, String senderCompId, String targetCompId, byte[] password) {
        this.userId = userId;
        this.senderCompId = senderCompId;
        this.targetCompId = targetCompId;
        this.password = password;
    }

    public String userId() {
        return userId;
    }

    /** Tag 49 the user's gateway sends. */
    public String senderCompId() {
        return senderCompId;
    }

    /** Tag 56 the user's gateway addresses. */
    public String targetCompId() {
        return targetCompId;
    }

    /**
     * The password (tag 554) as UTF-8 bytes (43 printable ASCII characters). This is the array itself,
     * not a copy: {@link #wipe()} zeroes it.
     */
    public byte[] password() {
        return password;
    }

    /** The password as chars (a new array: wipe it too, e.g. with Arrays.fill(chars, '\0')). */
    public char[] passwordChars() {
        char[] chars = new char[password.length];
        for (int i = 0; i < password.length; i++) {
            chars[i] = (char) (password[i] & 0xff);
        }
        return chars;
    }

    /** Zeroes the password. */
    public void wipe() {
        Arrays.fill(password, (byte) 0);
    }

    /** Same as {@link #wipe()}. */
    @Override
    public void close() {
        wipe();
    }

    @Override
    public String toString() {
        return "Credentials[user=" + userId + ", senderCompId=" + senderCompId + ", targetCompId="
                + targetCompId + ", password=(hidden)]";
    }
}
