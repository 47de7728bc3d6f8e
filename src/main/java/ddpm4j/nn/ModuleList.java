package ddpm4j.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** An ordered list of layers registered as children {@code 0, 1, 2, ...}, like torch.nn.ModuleList. */
final class ModuleList<L extends Layer> extends Layer {
    private final List<L> items = new ArrayList<>();

    <T extends L> T add(T layer) {
        child(String.valueOf(items.size()), layer);
        items.add(layer);
        return layer;
    }

    L get(int i) {
        return items.get(i);
    }

    int size() {
        return items.size();
    }

    List<L> items() {
        return Collections.unmodifiableList(items);
    }
}
