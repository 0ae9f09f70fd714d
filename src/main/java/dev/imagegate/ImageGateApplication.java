package dev.imagegate;

import dev.imagegate.shutdown.ShutdownDeadline;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class ImageGateApplication {

    public static void main(String[] args) {
        SpringApplication application = new SpringApplication(ImageGateApplication.class);
        application.addListeners(new ShutdownDeadline());
        application.run(args);
    }
}
