package ddpm4j.torch;

import org.bytedeco.pytorch.global.torch;

/** Run in a child JVM: loads libtorch through {@link Natives}, computes, and prints libtorch's thread count. */
public final class ColdStartProbe {
    public static void main(String[] args) {
        Natives.load();
        float sum = torch.ones(3, 4).sum().item_float();
        System.out.println("sum=" + sum + " threads=" + torch.get_num_threads() + " cores=" + Runtime.getRuntime().availableProcessors());
        System.exit(sum == 12f ? 0 : 3);
    }
}
