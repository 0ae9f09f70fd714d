package dev.imagegate.process;

import java.util.concurrent.CancellationException;

/**
 * Every scan slot is taken and the wait queue is full, so the scan was never started; the image is answered
 * as pending. A cancellation, because that is what it is, and because Caffeine then drops the entry without
 * logging a warning and a stack trace for every image a busy scanner turns away.
 */
public class ScannerBusyException extends CancellationException {

    public ScannerBusyException() {
        super("the scanner is busy with other images");
    }
}
