-- One database and one owner role per service: a service reads and writes only its own database
-- (DESIGN.md section 1). Run once by the postgres image on an empty data directory.
-- Development passwords, matching the <SERVICE>_DATABASE_URL values of compose.yaml.
CREATE ROLE identity LOGIN PASSWORD 'identity-dev';
CREATE ROLE sharing LOGIN PASSWORD 'sharing-dev';
CREATE ROLE documents LOGIN PASSWORD 'documents-dev';
CREATE ROLE interventions LOGIN PASSWORD 'interventions-dev';
CREATE ROLE onboarding LOGIN PASSWORD 'onboarding-dev';
CREATE ROLE mailer LOGIN PASSWORD 'mailer-dev';

CREATE DATABASE identity OWNER identity;
CREATE DATABASE sharing OWNER sharing;
CREATE DATABASE documents OWNER documents;
CREATE DATABASE interventions OWNER interventions;
CREATE DATABASE onboarding OWNER onboarding;
CREATE DATABASE mailer OWNER mailer;

-- Nobody but its owner may even connect to a service's database.
REVOKE ALL ON DATABASE identity, sharing, documents, interventions, onboarding, mailer FROM PUBLIC;
