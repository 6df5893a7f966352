// One-off `mongo-init` job of docker-compose.yml, run by mongosh --nodb inside mongo1's
// network namespace, so that 127.0.0.1 is mongo1 and MongoDB's localhost exception applies
// while no user exists yet. It:
//   1. waits for the three members to answer;
//   2. initiates the replica set rs0 with the three members, unless already initiated;
//   3. creates the root user through the localhost exception, unless it exists;
//   4. as root, creates (or resets) the application user with exactly one role: readWrite
//      on the application database.
// Running it again changes nothing but the application user's password and roles, which it
// sets to what the secrets and the environment say. The root user is used for nothing else.
const fs = require('fs');

const env = process.env;
const REPLICA_SET = 'rs0';
const MEMBERS = ['mongo1:27017', 'mongo2:27017', 'mongo3:27017'];
const rootUser = env.MONGO_ROOT_USER || 'root';
const appUser = env.MONGO_APP_USER || 'ecei';
const dbName = env.ECEI_DB_NAME || 'ecei';
const rootPassword = readSecret('mongo_root_password');
const appPassword = readSecret('mongo_app_password');

function readSecret(name) {
  const value = fs.readFileSync(`/run/secrets/${name}`, 'utf8').trim();
  if (!value || value.startsWith('replace-with')) {
    throw new Error(`secret ${name} is not set: generate it into .env (see .env.example)`);
  }
  return value;
}

function log(message) {
  print(`mongo-init: ${message}`);
}

// Calls check() once a second until it returns a truthy value (returned) or time runs out.
function waitFor(what, check, seconds) {
  const deadline = Date.now() + seconds * 1000;
  let last = 'no answer';
  for (;;) {
    try {
      const value = check();
      if (value) return value;
    } catch (error) {
      last = error.message;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${seconds} s waiting for ${what} (${last})`);
    sleep(1000);
  }
}

function hello(connection) {
  return connection.getDB('admin').runCommand({ hello: 1 });
}

if (appUser === rootUser) throw new Error('MONGO_APP_USER must differ from MONGO_ROOT_USER');

// 1. Every member answers (ping needs no authentication).
const local = waitFor('mongo1', () => {
  const connection = new Mongo('mongodb://127.0.0.1:27017/?directConnection=true&serverSelectionTimeoutMS=3000');
  return connection.getDB('admin').runCommand({ ping: 1 }).ok === 1 && connection;
}, 180);
for (const member of MEMBERS.slice(1)) {
  waitFor(member, () => {
    const connection = new Mongo(`mongodb://${member}/?directConnection=true&serverSelectionTimeoutMS=3000`);
    return connection.getDB('admin').runCommand({ ping: 1 }).ok === 1;
  }, 180);
}
log('all members answer');

// Authenticates on a connection of its own, so that a failure leaves `local` untouched.
const credentials = `${encodeURIComponent(rootUser)}:${encodeURIComponent(rootPassword)}`;
function rootWorks() {
  try {
    const probe = new Mongo(
      `mongodb://${credentials}@127.0.0.1:27017/?directConnection=true&authSource=admin&serverSelectionTimeoutMS=3000`,
    );
    const status = probe.getDB('admin').runCommand({ connectionStatus: 1 });
    return status.authInfo.authenticatedUsers.length > 0;
  } catch (error) {
    return false; // no user yet (first run), or a wrong password: told apart below
  }
}

const isRoot = rootWorks();
if (!isRoot) {
  // 2. Initiate, unless a configuration exists already (a run cut off after this step).
  if (!hello(local).setName) {
    const config = {
      _id: REPLICA_SET,
      members: MEMBERS.map((host, index) => ({ _id: index, host, priority: index === 0 ? 2 : 1 })),
    };
    const result = local.getDB('admin').runCommand({ replSetInitiate: config });
    if (result.ok !== 1) throw new Error(`replSetInitiate failed: ${JSON.stringify(result)}`);
    log(`replica set ${REPLICA_SET} initiated with ${MEMBERS.join(', ')}`);
  } else {
    log(`replica set ${hello(local).setName} already initiated`);
  }
  // 3. The localhost exception allows the first user, written on the primary; mongo1 has
  // the highest priority, so it becomes primary once the set has elected one.
  waitFor('mongo1 to become primary', () => hello(local).isWritablePrimary, 180);
  try {
    local.getDB('admin').createUser(
      { user: rootUser, pwd: rootPassword, roles: ['root'] },
      { w: 'majority', wtimeout: 120000 },
    );
  } catch (error) {
    throw new Error(
      `cannot create the root user '${rootUser}' (${error.message}); if the set was ` +
        'initiated before, MONGO_ROOT_USER or MONGO_ROOT_PASSWORD does not match it',
    );
  }
  log(`root user '${rootUser}' created`);
} else {
  log(`root user '${rootUser}' exists`);
}

// 4. The application user, through the replica set so that writes go to the primary.
const cluster = new Mongo(
  `mongodb://${credentials}@${MEMBERS.join(',')}/?replicaSet=${REPLICA_SET}&authSource=admin&serverSelectionTimeoutMS=5000`,
);
waitFor('a primary', () => hello(cluster).isWritablePrimary, 180);
const appDb = cluster.getDB(dbName);
const roles = [{ role: 'readWrite', db: dbName }];
const writeConcern = { w: 'majority', wtimeout: 120000 };
if (appDb.getUser(appUser)) {
  appDb.updateUser(appUser, { pwd: appPassword, roles }, writeConcern);
  log(`application user '${appUser}' updated: readWrite on '${dbName}' only`);
} else {
  appDb.createUser({ user: appUser, pwd: appPassword, roles }, writeConcern);
  log(`application user '${appUser}' created: readWrite on '${dbName}' only`);
}
