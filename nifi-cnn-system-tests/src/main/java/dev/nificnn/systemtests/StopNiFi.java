package dev.nificnn.systemtests;

import java.nio.file.Path;

/** The demo's stop command: stops the NiFi whose process id the launcher recorded in &lt;home&gt;/run/nifi.pid. */
public final class StopNiFi {

    private StopNiFi() {
    }

    public static void main(final String[] arguments) throws Exception {
        final Path home = Path.of(arguments.length > 0 ? arguments[0] : "nifi-cnn-system-tests/target/nifi");
        if (NiFiProcess.stopRecorded(home)) {
            System.out.println("NiFi stopped.");
        } else {
            System.out.println("No running NiFi recorded in " + home.resolve("run/nifi.pid"));
        }
    }
}
