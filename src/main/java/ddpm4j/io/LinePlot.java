package ddpm4j.io;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;

/**
 * One curve, drawn by XChart without markers or legend: the project's plots (the training loss, the
 * rate-distortion panels) all come from here.
 *
 * @param title     above the plot; null for none
 * @param logY      logarithmic y axis
 * @param xPattern  decimal pattern of the x tick labels (e.g. "#", "0.##"); null for XChart's
 * @param xSpacing  pixels XChart aims for between x ticks; 0 for its default
 */
public record LinePlot(String title, String xTitle, String yTitle, int width, int height, boolean logY, String xPattern, int xSpacing) {
    /** A plot of {@code width × height} pixels with linear axes. */
    public LinePlot(String xTitle, String yTitle, int width, int height) {
        this(null, xTitle, yTitle, width, height, false, null, 0);
    }

    public LinePlot withTitle(String t) {
        return new LinePlot(t, xTitle, yTitle, width, height, logY, xPattern, xSpacing);
    }

    public LinePlot withLogY() {
        return new LinePlot(title, xTitle, yTitle, width, height, true, xPattern, xSpacing);
    }

    /** x tick labels in {@code pattern}, about {@code spacing} pixels apart. */
    public LinePlot withXTicks(String pattern, int spacing) {
        return new LinePlot(title, xTitle, yTitle, width, height, logY, pattern, spacing);
    }

    /** The curve through (x[i], y[i]). */
    public BufferedImage draw(double[] x, double[] y) {
        XYChart chart = chart();
        chart.getStyler().setLegendVisible(false);
        chart.addSeries(yTitle, x, y).setMarker(SeriesMarkers.NONE);
        return BitmapEncoder.getBufferedImage(chart);
    }

    /** Several named curves (name → {x, y}) on one plot, with markers at the points and a legend, in the map's order. */
    public BufferedImage draw(java.util.Map<String, double[][]> curves) {
        XYChart chart = chart();
        curves.forEach((name, xy) -> chart.addSeries(name, xy[0], xy[1]));
        return BitmapEncoder.getBufferedImage(chart);
    }

    /** An empty chart with this plot's size, titles and axes. */
    private XYChart chart() {
        XYChartBuilder b = new XYChartBuilder().width(width).height(height).xAxisTitle(xTitle).yAxisTitle(yTitle);
        XYChart chart = (title == null ? b : b.title(title)).build();
        chart.getStyler().setYAxisLogarithmic(logY);
        if (xSpacing > 0) {
            chart.getStyler().setXAxisTickMarkSpacingHint(xSpacing);
        }
        if (xPattern != null) {
            chart.getStyler().setXAxisDecimalPattern(xPattern);
        }
        return chart;
    }

    /** Panels of equal height next to each other, left to right. */
    public static BufferedImage sideBySide(BufferedImage... panels) {
        int w = 0;
        for (BufferedImage p : panels) {
            w += p.getWidth();
        }
        BufferedImage all = new BufferedImage(w, panels[0].getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = all.createGraphics();
        int x = 0;
        for (BufferedImage p : panels) {
            g.drawImage(p, x, 0, null);
            x += p.getWidth();
        }
        g.dispose();
        return all;
    }
}
