package ddpm4j.torch;

import org.bytedeco.pytorch.global.torch;

/** Run in a child JVM with an empty JavaCPP cache: loads libtorch through {@link Natives} and computes. */
public final class ColdStartProbe {
    public static void main(String[] args) {
        Natives.load();
        float sum = torch.ones(3, 4).sum().item_float();
        System.out.println("sum=" + sum);
        System.exit(sum == 12f ? 0 : 3);
    }
}
