import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// findBy…/waitFor wait up to 15 s: whole-tab and whole-app renders take
// seconds on a loaded 2-core CI machine. A wait returns as soon as its
// condition holds, so only a failing test waits that long.
configure({ asyncUtilTimeout: 15_000 });
