import type { EvalsRoute } from '../route'
import { ExperimentCompare } from './ExperimentCompare'
import { ExperimentList } from './ExperimentList'
import { ExperimentPage } from './ExperimentPage'
import './evals.css'

/** Shows the evals page that the route selects: the experiment list, one experiment, or a comparison. */
export function EvalsPage({ route }: { route: EvalsRoute }) {
  switch (route.view) {
    case 'list':
      return <ExperimentList />
    case 'experiment':
      return <ExperimentPage key={route.id} id={route.id} />
    case 'compare':
      return <ExperimentCompare key={`${route.a}/${route.b}`} a={route.a} b={route.b} />
  }
}
