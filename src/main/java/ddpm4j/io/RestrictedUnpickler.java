package ddpm4j.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle reader for the data PyTorch checkpoints hold, and nothing else: numbers, strings,
 * tuples, lists, dicts, None and booleans, plus the few globals a state dict names
 * ({@code collections.OrderedDict}, {@code torch._utils._rebuild_tensor_v2}, the storage types),
 * which it turns into plain Java values instead of calling anything. Any other global is refused,
 * so a file can never make it run code. Persistent ids (PyTorch's storages) go to a callback.
 */
final class RestrictedUnpickler {
    /** A global the file named, e.g. torch.FloatStorage. */
    record Global(String module, String name) {
        String qualified() {
            return module + "." + name;
        }
    }

    /** What REDUCE made of an allowed global and its arguments. */
    record Call(Global function, List<Object> args) {
    }

    private static final Set<String> ALLOWED = Set.of(
            "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor",
            "torch._utils._rebuild_parameter", "torch.FloatStorage", "torch.DoubleStorage", "torch.HalfStorage",
            "torch.BFloat16Storage", "torch.LongStorage", "torch.IntStorage", "torch.ShortStorage", "torch.CharStorage",
            "torch.ByteStorage", "torch.BoolStorage");

    /** Resolves a persistent id (PyTorch: the tuple ('storage', type, key, location, size, view)). */
    interface Persistent {
        Object load(Object pid) throws FormatException;
    }

    private final Path file;
    private final ByteBuffer in;
    private final Persistent persistent;
    private final Deque<Integer> marks = new ArrayDeque<>();
    private final List<Object> stackList = new ArrayList<>();
    private final Map<Integer, Object> memo = new HashMap<>();

    RestrictedUnpickler(Path file, ByteBuffer in, Persistent persistent) {
        this.file = file;
        this.in = in.order(ByteOrder.LITTLE_ENDIAN);
        this.persistent = persistent;
    }

    /** Reads one pickle from the buffer's position up to its STOP opcode. */
    Object load() throws FormatException {
        stackList.clear();
        marks.clear();
        try {
            while (true) {
                int op = in.get() & 0xff;
                switch (op) {
                    case 0x80 -> in.get(); // PROTO
                    case 0x95 -> in.getLong(); // FRAME
                    case '.' -> {
                        return pop();
                    }
                    case '(' -> marks.push(stackList.size());
                    case '}' -> push(new LinkedHashMap<Object, Object>());
                    case ']' -> push(new ArrayList<>());
                    case ')' -> push(List.of());
                    case 'N' -> push(null);
                    case 0x88 -> push(Boolean.TRUE);
                    case 0x89 -> push(Boolean.FALSE);
                    case 'J' -> push((long) in.getInt());
                    case 'K' -> push((long) (in.get() & 0xff));
                    case 'M' -> push((long) (in.getShort() & 0xffff));
                    case 0x8a -> push(long1(in.get() & 0xff));
                    case 'G' -> push(Double.longBitsToDouble(Long.reverseBytes(in.getLong()))); // big-endian
                    case 'X' -> push(text(in.getInt()));
                    case 0x8c -> push(text(in.get() & 0xff));
                    case 'T' -> push(text(in.getInt()));
                    case 'U' -> push(text(in.get() & 0xff));
                    case 'c' -> push(global(line(), line()));
                    case 0x93 -> {
                        Object name = pop();
                        Object module = pop();
                        if (!(module instanceof String m) || !(name instanceof String n)) {
                            throw new FormatException(file, "malformed pickle: a global named by non-strings");
                        }
                        push(global(m, n));
                    }
                    case 'q' -> memo.put(in.get() & 0xff, peek());
                    case 'r' -> memo.put(in.getInt(), peek());
                    case 0x94 -> memo.put(memo.size(), peek());
                    case 'h' -> push(memoGet(in.get() & 0xff));
                    case 'j' -> push(memoGet(in.getInt()));
                    case 't' -> push(popMark());
                    case 0x85 -> push(tuple(1));
                    case 0x86 -> push(tuple(2));
                    case 0x87 -> push(tuple(3));
                    case 'a' -> {
                        Object v = pop();
                        list(peek()).add(v);
                    }
                    case 'e' -> {
                        List<Object> items = popMark();
                        list(peek()).addAll(items);
                    }
                    case 's' -> {
                        Object v = pop();
                        Object k = key(pop());
                        dict(peek()).put(k, v);
                    }
                    case 'u' -> {
                        List<Object> items = popMark();
                        Map<Object, Object> d = dict(peek());
                        for (int i = 0; i + 1 < items.size(); i += 2) {
                            d.put(key(items.get(i)), items.get(i + 1));
                        }
                    }
                    case 'Q' -> push(persistent.load(pop()));
                    case 'R' -> {
                        Object args = pop();
                        Object f = pop();
                        push(reduce(f, args));
                    }
                    case 'b' -> pop(); // BUILD: instance state (an OrderedDict's _metadata) is dropped
                    default -> throw new FormatException(file, String.format("unsupported pickle opcode 0x%02x", op));
                }
            }
        } catch (java.nio.BufferUnderflowException e) {
            throw new FormatException(file, "truncated pickle");
        } catch (RuntimeException | StackOverflowError e) {
            // e.g. APPEND onto a tuple, a wrong type where a container is expected: malformed, whatever the cause
            throw new FormatException(file, "malformed pickle (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** Dict keys must be plain scalars: containers could be cyclic or huge to hash. */
    private Object key(Object k) throws FormatException {
        if (k == null || k instanceof String || k instanceof Long || k instanceof Boolean || k instanceof Double
                || k instanceof java.math.BigInteger) {
            return k;
        }
        throw new FormatException(file, "malformed pickle: a dict key of type " + k.getClass().getSimpleName());
    }

    private Global global(String module, String name) throws FormatException {
        Global g = new Global(module.strip(), name.strip());
        if (!ALLOWED.contains(g.qualified())) {
            throw new FormatException(file, "refuses to load '" + g.qualified() + "': only tensors, storages and plain containers are read");
        }
        return g;
    }

    private Object reduce(Object f, Object args) throws FormatException {
        if (!(f instanceof Global g)) {
            throw new FormatException(file, "malformed pickle: REDUCE of a non-global");
        }
        List<Object> a = list(args);
        if (g.qualified().equals("collections.OrderedDict")) {
            return new LinkedHashMap<Object, Object>();
        }
        return new Call(g, a);
    }

    private Object memoGet(int key) throws FormatException {
        if (!memo.containsKey(key)) {
            throw new FormatException(file, "malformed pickle: memo key " + key + " was never stored");
        }
        return memo.get(key);
    }

    private String text(int length) throws FormatException {
        if (length < 0 || length > in.remaining()) {
            throw new FormatException(file, "truncated pickle (a string of " + length + " bytes)");
        }
        byte[] b = new byte[length];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private String line() throws FormatException {
        StringBuilder s = new StringBuilder();
        while (true) {
            byte b = in.get();
            if (b == '\n') {
                return s.toString();
            }
            if (s.length() > 256) {
                throw new FormatException(file, "malformed pickle: a global name longer than 256 characters");
            }
            s.append((char) (b & 0xff));
        }
    }

    /** A little-endian two's-complement integer of n bytes (LONG1), as a long if it fits. */
    private Object long1(int n) throws FormatException {
        if (n > 16) {
            throw new FormatException(file, "malformed pickle: a " + n + "-byte integer");
        }
        byte[] b = new byte[n];
        in.get(b);
        byte[] be = new byte[Math.max(n, 1)];
        for (int i = 0; i < n; i++) {
            be[n - 1 - i] = b[i];
        }
        java.math.BigInteger v = n == 0 ? java.math.BigInteger.ZERO : new java.math.BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private List<Object> tuple(int n) {
        Object[] items = new Object[n];
        for (int i = n - 1; i >= 0; i--) {
            items[i] = pop();
        }
        return java.util.Arrays.asList(items);
    }

    private void push(Object o) {
        stackList.add(o);
    }

    private Object pop() {
        if (stackList.isEmpty() || (!marks.isEmpty() && marks.peek() >= stackList.size())) {
            throw new java.util.NoSuchElementException("stack underflow");
        }
        return stackList.remove(stackList.size() - 1);
    }

    private Object peek() {
        if (stackList.isEmpty()) {
            throw new java.util.NoSuchElementException("empty stack");
        }
        return stackList.get(stackList.size() - 1);
    }

    private List<Object> popMark() {
        if (marks.isEmpty()) {
            throw new java.util.NoSuchElementException("no MARK");
        }
        int at = marks.pop();
        List<Object> items = new ArrayList<>(stackList.subList(at, stackList.size()));
        stackList.subList(at, stackList.size()).clear();
        return items;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        if (o instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw new ClassCastException("not a list");
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> dict(Object o) {
        if (o instanceof Map<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw new ClassCastException("not a dict");
    }
}
