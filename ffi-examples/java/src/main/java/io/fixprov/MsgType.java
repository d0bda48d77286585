package io.fixprov;

/**
 * FIX MsgTypes (tag 35) packed into a {@code long}, so that
 * {@link Engine#checkMsgType(long, long)} takes primitives only: byte i of the value is the i-th
 * ASCII character, up to 8 characters (every standard MsgType has 1 or 2). Longer custom MsgTypes (up
 * to 16) go through {@link Engine#checkMsgType(long, byte[])}.
 */
public final class MsgType {
    private MsgType() {}

    public static final long HEARTBEAT = pack("0");
    public static final long TEST_REQUEST = pack("1");
    public static final long LOGOUT = pack("5");
    public static final long NEW_ORDER_SINGLE = pack("D");
    public static final long ORDER_CANCEL_REQUEST = pack("F");
    public static final long ORDER_CANCEL_REPLACE_REQUEST = pack("G");
    public static final long NEW_ORDER_LIST = pack("E");
    public static final long NEW_ORDER_CROSS = pack("s");
    public static final long QUOTE = pack("S");
    public static final long MARKET_DATA_REQUEST = pack("V");
    public static final long NEW_ORDER_MULTILEG = pack("AB");
    public static final long MULTILEG_CANCEL_REPLACE = pack("AC");

    /** Packs 1 to 8 printable ASCII characters; anything else is an IllegalArgumentException. */
    public static long pack(CharSequence msgType) {
        int n = msgType.length();
        if (n < 1 || n > 8) {
            throw new IllegalArgumentException("a packed MsgType has 1 to 8 characters, not " + n);
        }
        long packed = 0;
        for (int i = 0; i < n; i++) {
            char c = msgType.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                throw new IllegalArgumentException("a MsgType is printable ASCII");
            }
            packed |= ((long) c) << (8 * i);
        }
        return packed;
    }

    /** Packs one character (no check: the library refuses what is not a valid MsgType). */
    public static long pack(char c) {
        return c < 0x80 ? c : 0;
    }

    /** The MsgType a packed value holds. */
    public static String unpack(long packed) {
        StringBuilder sb = new StringBuilder(8);
        for (int i = 0; i < 8; i++) {
            int b = (int) ((packed >>> (8 * i)) & 0xff);
            if (b == 0) break;
            sb.append((char) b);
        }
        return sb.toString();
    }
}
